package io.incidentcorrelator.runtime;

import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.metrics.CorrelatorMetrics;
import io.incidentcorrelator.metrics.KafkaStreamsMeters;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.serde.SchemaRegistryUnavailableException;
import io.incidentcorrelator.topics.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The always-on pipeline of {@code correlator run}: the topology on Kafka Streams, its metrics,
 * and (optionally) the health and metrics endpoint.
 *
 * <ul>
 *   <li>live: the process is up and Kafka Streams is not in ERROR (a probe restarts it then);</li>
 *   <li>ready: Kafka Streams is RUNNING and no state store (global tables included) is restoring;</li>
 *   <li>a stream thread that stops because the schema registry did not answer is replaced after a
 *       growing pause (1 s … 60 s): it reads the same records again, nothing is skipped; any other
 *       fatal error shuts the client down.</li>
 * </ul>
 */
public final class CorrelatorService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CorrelatorService.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    /**
     * @param overrides     Kafka client and Streams settings (security, ...), applied last
     * @param healthAddress where to serve /health/* and /metrics; null: not at all
     */
    public record Settings(CorrelatorConfig config, String bootstrapServers, SchemaRegistryClient registry,
                           String applicationId, Path stateDir, Map<String, String> overrides,
                           InetSocketAddress healthAddress) {
        public Settings {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(registry, "registry");
            Objects.requireNonNull(applicationId, "applicationId");
            Objects.requireNonNull(stateDir, "stateDir");
            overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
        }
    }

    private final KafkaStreams streams;
    private final PrometheusMeterRegistry prometheus;
    private final CorrelatorMetrics metrics;
    private final HealthServer health;
    private final Set<String> restoring = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private volatile long registryFailures;
    private volatile long lastRegistryFailure;

    private CorrelatorService(Settings settings, Consumer<String> log) {
        prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new CorrelatorMetrics(prometheus);
        final Topics topics = Pipeline.topics(settings.config(), settings.registry());
        final Properties props = Pipeline.streamsProperties(settings.config(), settings.bootstrapServers(),
                settings.applicationId(), settings.stateDir(), settings.overrides());
        props.put(CorrelatorMetrics.CONFIG_KEY, metrics);
        final TopologyShapes.Choice shape = TopologyShapes.choose(settings.bootstrapServers(), settings.overrides(),
                settings.config().topics(), settings.applicationId());
        log.accept("topology: " + shape.reason());
        streams = Pipeline.streams(Pipeline.topology(settings.config(), topics, props, shape.shape()), props);
        streams.setStateListener((now, before) -> {
            log.accept(before + " → " + now);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
        streams.setGlobalStateRestoreListener(new RestoreTracker());
        streams.setUncaughtExceptionHandler(this::onStreamThreadDeath);

        new KafkaStreamsMeters(streams).bindTo(prometheus);
        new JvmMemoryMetrics().bindTo(prometheus);
        new JvmThreadMetrics().bindTo(prometheus);
        new ProcessorMetrics().bindTo(prometheus);
        new UptimeMetrics().bindTo(prometheus);
        Gauge.builder("incident.correlator.ready", this, s -> s.ready().ok() ? 1 : 0)
                .description("1 when Kafka Streams is RUNNING and no state store is restoring")
                .strongReference(true)
                .register(prometheus);

        // Serve before starting so that probes see the start-up (live, not ready) too.
        health = settings.healthAddress() == null ? null
                : HealthServer.start(settings.healthAddress(), this::live, this::ready, prometheus::scrape);
    }

    /** Builds the topology, starts Kafka Streams and the health endpoint, and returns at once. */
    public static CorrelatorService start(Settings settings, Consumer<String> log) {
        final CorrelatorService service = new CorrelatorService(settings, log);
        try {
            service.streams.start();
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        return service;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public HealthServer.Status live() {
        final KafkaStreams.State s = streams.state();
        final boolean ok = s != KafkaStreams.State.ERROR && s != KafkaStreams.State.PENDING_ERROR;
        return new HealthServer.Status(ok, "{\"status\":\"" + (ok ? "UP" : "DOWN") + "\",\"state\":\"" + s + "\"}");
    }

    public HealthServer.Status ready() {
        final KafkaStreams.State s = streams.state();
        final Set<String> stores = new TreeSet<>(restoring);
        final boolean ok = s == KafkaStreams.State.RUNNING && stores.isEmpty();
        return new HealthServer.Status(ok, "{\"status\":\"" + (ok ? "UP" : "DOWN") + "\",\"state\":\"" + s
                + "\",\"restoring\":" + stores.stream().map(n -> "\"" + n + "\"").toList() + "}");
    }

    /** Port of the health endpoint, or -1 when it is off. */
    public int healthPort() {
        return health == null ? -1 : health.port();
    }

    /** The running client, for interactive queries (the web view). */
    public KafkaStreams kafkaStreams() {
        return streams;
    }

    public CorrelatorMetrics metrics() {
        return metrics;
    }

    /** The /metrics text. */
    public String scrape() {
        return prometheus.scrape();
    }

    /** Blocks until Kafka Streams stopped (NOT_RUNNING) or failed (ERROR); returns that state. */
    public KafkaStreams.State awaitTermination() throws InterruptedException {
        stopped.await();
        return streams.state();
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** What made the client shut down, if a stream thread died of something other than the registry. */
    public Throwable failure() {
        return fatal.get();
    }

    private StreamThreadExceptionResponse onStreamThreadDeath(Throwable e) {
        if (SchemaRegistryUnavailableException.isCauseOf(e)) {
            final long now = System.nanoTime();
            // Consecutive failures within a minute back off further; a quiet minute starts over.
            registryFailures = now - lastRegistryFailure > TimeUnit.MINUTES.toNanos(1) ? 1 : registryFailures + 1;
            lastRegistryFailure = now;
            final long pause = Math.min(MAX_BACKOFF.toMillis(), 1000L << Math.min(registryFailures - 1, 6));
            LOG.warn("Schema registry unavailable; replacing the stream thread in {} ms to read the same records again",
                    pause);
            try {
                Thread.sleep(pause);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        fatal.compareAndSet(null, e);
        LOG.error("A stream thread failed; shutting down: {}", e.toString());
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    @Override
    public void close() {
        try {
            streams.close(Duration.ofSeconds(30));
        } finally {
            if (health != null) {
                health.close();
            }
            prometheus.close();
        }
    }

    /** Tracks which stores are restoring, for readiness. */
    private final class RestoreTracker implements StateRestoreListener {
        @Override
        public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
            restoring.add(store + "/" + partition.partition());
        }

        @Override
        public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
        }

        @Override
        public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
            restoring.remove(store + "/" + partition.partition());
        }

        @Override
        public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
            restoring.remove(store + "/" + partition.partition());
        }
    }
}
