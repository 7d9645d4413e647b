package io.incidentcorrelator.runtime;

import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.metrics.CorrelatorMetrics;
import io.incidentcorrelator.topology.CatchUpAlignment;
import io.incidentcorrelator.metrics.KafkaStreamsMeters;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.serde.SchemaRegistryUnavailableException;
import io.incidentcorrelator.topics.Topics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The always-on pipeline of {@code correlator run}: the topology on Kafka Streams, its metrics,
 * and (optionally) the health and metrics endpoint.
 *
 * <ul>
 *   <li>live: the process is up and Kafka Streams is not in ERROR (a probe restarts it then);</li>
 *   <li>ready: Kafka Streams is RUNNING, no state store (global tables included) is restoring, no
 *       stream thread is dead, the broker answered within {@code brokerUnreachableAfter}, and every
 *       check added with {@link #addReadinessCheck} passes; otherwise DOWN with the reasons, also
 *       as {@code incident_correlator_not_ready{reason}} gauges;</li>
 *   <li>a stream thread that stops because the schema registry did not answer is replaced after a
 *       growing pause (1 s … 60 s): it reads the same records again, nothing is skipped; any other
 *       fatal error shuts the client down.</li>
 * </ul>
 */
public final class CorrelatorService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CorrelatorService.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    /** The default of {@code incident-correlator.readiness.broker-unreachable-after}. */
    public static final Duration DEFAULT_BROKER_UNREACHABLE_AFTER = Duration.ofSeconds(15);

    /**
     * Settings for a service that idles most of the time (under the user's; docs/performance.md, "The always-on box"):
     * <ul>
     *   <li>the main consumer's heartbeat thread checks whether a heartbeat is due every {@code retry.backoff.ms},
     *   which {@link Pipeline} lowers to 20 ms for a fast start: 50 wake-ups a second, each a network poll;</li>
     *   <li>the global consumer's long poll back at Kafka's 500 ms, and the main consumer's at 1 s: a fetch still
     *   returns as soon as a record arrives, but an idle one costs the broker a delayed fetch to expire (the 100 ms of
     *   {@link Pipeline} made the global tables' ten a second the largest idle cost); a start pays up to 1 s more;</li>
     *   <li>the stream and global threads' {@code poll.ms} at 500 ms instead of 100: a record ends a poll at once, so
     *   this paces only the idle loop, the wall-clock punctuations and the commits, which may come up to 400 ms
     *   later; under the homelab's feed it halved the stream thread's CPU (0.39 to 0.19 % of a core) and the global
     *   thread's (0.15 to 0.08 %), part of keeping the box under 3 % of one core.</li>
     * </ul>
     */
    static final Map<String, String> ALWAYS_ON_DEFAULTS = Map.of(
            StreamsConfig.mainConsumerPrefix(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG), "250",
            StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), "500",
            StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), "1000",
            StreamsConfig.POLL_MS_CONFIG, "500");

    /** A readiness condition beyond the pipeline's own, e.g. an in-process collector's source. */
    @FunctionalInterface
    public interface ReadinessCheck {
        /** Why this part is not ready, or empty when it is. Called on each probe and scrape: keep it cheap. */
        Optional<String> problem();
    }

    /** One reason for not being ready: {@code code} labels the metric, {@code text} is for people. */
    public record Reason(String code, String text) {
    }

    /**
     * @param overrides     Kafka client and Streams settings (security, ...), applied last
     * @param healthAddress where to serve /health/* and /metrics; null: not at all
     * @param brokerUnreachableAfter how long the broker may not answer before the service is not ready
     */
    public record Settings(CorrelatorConfig config, String bootstrapServers, SchemaRegistryClient registry,
                           String applicationId, Path stateDir, Map<String, String> overrides,
                           InetSocketAddress healthAddress, Duration brokerUnreachableAfter) {

        /** With the default allowance for an unreachable broker. */
        public Settings(CorrelatorConfig config, String bootstrapServers, SchemaRegistryClient registry,
                        String applicationId, Path stateDir, Map<String, String> overrides,
                        InetSocketAddress healthAddress) {
            this(config, bootstrapServers, registry, applicationId, stateDir, overrides, healthAddress,
                    DEFAULT_BROKER_UNREACHABLE_AFTER);
        }

        public Settings {
            Objects.requireNonNull(brokerUnreachableAfter, "brokerUnreachableAfter");
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
    private final BrokerWatch brokerWatch;
    private final Map<String, ReadinessCheck> checks = new ConcurrentSkipListMap<>();
    private final List<java.util.function.Supplier<String>> extraMetrics =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Stream threads that died of an unavailable registry and wait to be replaced. */
    private final AtomicInteger threadsAwaitingReplacement = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private volatile long registryFailures;
    private volatile long lastRegistryFailure;

    private CorrelatorService(Settings settings, Consumer<String> log) {
        prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new CorrelatorMetrics(prometheus);
        final Topics topics = Pipeline.topics(settings.config(), settings.registry());
        final Map<String, String> overrides = new HashMap<>(ALWAYS_ON_DEFAULTS);
        overrides.putAll(settings.overrides());
        final Properties props = Pipeline.streamsProperties(settings.config(), settings.bootstrapServers(),
                settings.applicationId(), settings.stateDir(), overrides);
        props.put(CorrelatorMetrics.CONFIG_KEY, metrics);
        // One admin client for both looks at the cluster before the start.
        final TopologyShapes.Choice shape;
        try (Admin admin = TopologyShapes.admin(settings.bootstrapServers(), settings.overrides())) {
            shape = TopologyShapes.choose(admin, settings.config().topics(), settings.applicationId());
            log.accept("topology: " + shape.reason());
            try {
                final List<String> updated = ExistingChangelogs.update(admin, settings.applicationId());
                if (!updated.isEmpty()) {
                    log.accept("changelog settings brought up to date on " + updated.size() + " existing changelogs");
                }
            } catch (IllegalStateException e) {
                // A cluster whose ACLs deny AlterConfigs still runs; its restarts read the old segments.
                log.accept("changelog settings of existing changelogs not updated, starts may restore more than "
                        + "their retention: " + e.getMessage());
            }
        }
        streams = Pipeline.streams(Pipeline.topology(settings.config(), topics, props, shape), props);
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
                .description("1 when ready: see incident_correlator_not_ready{reason} for why not")
                .strongReference(true)
                .register(prometheus);
        for (String code : List.of(REASON_NOT_RUNNING, REASON_RESTORING, REASON_THREAD_DEAD, REASON_BROKER)) {
            registerReasonGauge(code);
        }
        final CatchUpAlignment alignment = CatchUpAlignment.from(props);
        if (alignment != null) {
            Gauge.builder("incident.correlator.catch.up.held.tasks", alignment, CatchUpAlignment::heldTasks)
                    .description("Routing tasks paused now for running more than catch-up.max-drift ahead of the "
                            + "slowest while history is read")
                    .strongReference(true)
                    .register(prometheus);
            FunctionCounter.builder("incident.correlator.catch.up.holds", alignment, CatchUpAlignment::holds)
                    .description("Times a routing task was paused for running ahead while history is read")
                    .register(prometheus);
        }
        brokerWatch = new BrokerWatch(settings.bootstrapServers(), settings.overrides(),
                settings.brokerUnreachableAfter());

        // Serve before starting so that probes see the start-up (live, not ready) too.
        health = settings.healthAddress() == null ? null
                : HealthServer.start(settings.healthAddress(), this::live, this::ready, this::scrape);
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
        final List<Reason> reasons = notReadyReasons(s, stores);
        final boolean ok = reasons.isEmpty();
        return new HealthServer.Status(ok, "{\"status\":\"" + (ok ? "UP" : "DOWN") + "\",\"state\":\"" + s
                + "\",\"restoring\":" + stores.stream().map(CorrelatorService::jsonString).toList()
                + ",\"reasons\":" + reasons.stream().map(r -> jsonString(r.text())).toList() + "}");
    }

    /** Why the service is not ready; empty when it is. */
    public List<Reason> notReadyReasons() {
        return notReadyReasons(streams.state(), new TreeSet<>(restoring));
    }

    /**
     * Adds a condition to readiness (and a {@code incident_correlator_not_ready{reason="NAME"}} gauge),
     * e.g. an in-process collector whose source has failed for longer than its retry budget.
     */
    public void addReadinessCheck(String name, ReadinessCheck check) {
        if (checks.putIfAbsent(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check")) != null) {
            throw new IllegalArgumentException("readiness check " + name + " is already added");
        }
        registerReasonGauge(name);
    }

    private static final String REASON_NOT_RUNNING = "streams_not_running";
    private static final String REASON_RESTORING = "restoring";
    private static final String REASON_THREAD_DEAD = "stream_thread_dead";
    private static final String REASON_BROKER = "broker_unreachable";

    private List<Reason> notReadyReasons(KafkaStreams.State s, Set<String> stores) {
        final List<Reason> reasons = new ArrayList<>();
        if (s != KafkaStreams.State.RUNNING) {
            final Throwable failure = fatal.get();
            reasons.add(new Reason(REASON_NOT_RUNNING, "Kafka Streams is " + s
                    + (failure == null ? "" : " after a stream thread died: " + failure)));
        }
        if (!stores.isEmpty()) {
            reasons.add(new Reason(REASON_RESTORING, "restoring " + String.join(", ", stores)));
        }
        final int dead = threadsAwaitingReplacement.get();
        if (dead > 0) {
            reasons.add(new Reason(REASON_THREAD_DEAD, dead + " stream thread(s) died (schema registry "
                    + "unavailable) and wait to be replaced"));
        }
        brokerWatch.problem().ifPresent(p -> reasons.add(new Reason(REASON_BROKER, p)));
        checks.forEach((name, check) -> check.problem().ifPresent(p -> reasons.add(new Reason(name, name + ": " + p))));
        return reasons;
    }

    private void registerReasonGauge(String code) {
        Gauge.builder("incident.correlator.not.ready", this,
                        s -> s.notReadyReasons().stream().anyMatch(r -> r.code().equals(code)) ? 1 : 0)
                .description("1 while this reason keeps the service from being ready")
                .tag("reason", code)
                .strongReference(true)
                .register(prometheus);
    }

    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
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

    /**
     * Adds Prometheus text to {@code /metrics}, e.g. the sources of the collectors running in this
     * process; {@code text} is called on each scrape: keep it cheap.
     */
    public void addMetrics(java.util.function.Supplier<String> text) {
        extraMetrics.add(Objects.requireNonNull(text, "text"));
    }

    /** The /metrics text. */
    public String scrape() {
        final StringBuilder all = new StringBuilder(prometheus.scrape());
        extraMetrics.forEach(m -> all.append(m.get()));
        return all.toString();
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
            threadsAwaitingReplacement.incrementAndGet();
            try {
                Thread.sleep(pause);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            } finally {
                threadsAwaitingReplacement.decrementAndGet();
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
            // Leave the group on a clean stop: otherwise the stopped instance stays a member until its
            // session times out (45 s), holding its partitions and making `correlator reset` refuse.
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
        } finally {
            brokerWatch.close();
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
