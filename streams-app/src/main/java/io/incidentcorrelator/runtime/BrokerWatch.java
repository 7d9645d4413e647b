package io.incidentcorrelator.runtime;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks the cluster for its nodes every few seconds and remembers when it last answered, so that
 * readiness can say "broker unreachable for 20 s". Kafka Streams itself keeps a RUNNING state
 * through an outage (its clients retry quietly), so without this a probe would see nothing.
 */
final class BrokerWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerWatch.class);

    private final Admin admin;
    private final Duration unreachableAfter;
    private final Duration interval;
    private final Thread thread;
    private final String bootstrapServers;
    private volatile long lastAnswer = System.nanoTime();
    private volatile boolean answering = true;
    private volatile boolean reported;
    private volatile boolean closed;

    /**
     * @param clientSettings   Kafka client settings (security, ...); those an admin client does not know are ignored
     * @param unreachableAfter how long the cluster may not answer before {@link #problem()} reports it
     */
    BrokerWatch(String bootstrapServers, Map<String, String> clientSettings, Duration unreachableAfter) {
        this.bootstrapServers = bootstrapServers;
        this.unreachableAfter = unreachableAfter;
        // Often enough to notice within a third of the allowance; never busier than once a second.
        this.interval = Duration.ofMillis(Math.max(1000, Math.min(5000, unreachableAfter.toMillis() / 3)));
        final Properties props = new Properties();
        clientSettings.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                props.put(k, v);
            }
        });
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "incident-correlator-broker-watch");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) interval.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) interval.toMillis());
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, (int) interval.toMillis());
        admin = Admin.create(props);
        thread = new Thread(this::watch, "correlator-broker-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Why the cluster counts as unreachable, or empty while it answers (or has been silent only briefly). */
    Optional<String> problem() {
        if (answering) {
            return Optional.empty();
        }
        final Duration silent = Duration.ofNanos(System.nanoTime() - lastAnswer);
        if (silent.compareTo(unreachableAfter) <= 0) {
            return Optional.empty();
        }
        return Optional.of("broker unreachable for " + silent.toSeconds() + " s (" + bootstrapServers
                + "; allowed: " + unreachableAfter.toSeconds() + " s)");
    }

    private void watch() {
        while (!closed) {
            final long asked = System.nanoTime();
            try {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) interval.toMillis()))
                        .nodes().get(interval.toMillis() + 1000, TimeUnit.MILLISECONDS);
                lastAnswer = System.nanoTime();
                answering = true;
                if (reported) {
                    LOG.info("Kafka cluster at {} answers again", bootstrapServers);
                    reported = false;
                }
            } catch (ExecutionException | TimeoutException e) {
                answering = false;
                if (!reported && problem().isPresent()) {
                    LOG.warn("{}: not ready", problem().get());
                    reported = true;
                }
            } catch (InterruptedException e) {
                return;
            }
            final long rest = interval.toNanos() - (System.nanoTime() - asked);
            if (rest > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(rest);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        admin.close(Duration.ofSeconds(5));
    }
}
