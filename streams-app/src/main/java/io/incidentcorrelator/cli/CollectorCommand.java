package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.KafkaEventWriter;
import io.incidentcorrelator.collectors.CollectorHealth;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.internal.SourceHealth;
import io.incidentcorrelator.config.CollectorBuiltIns;
import io.incidentcorrelator.runtime.HealthServer;
import io.incidentcorrelator.collectors.ScenarioLineWriter;
import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * What every {@code correlator collect <kind>} shares: settings, the sink ({@code --print}: scenario
 * lines on stdout; else Kafka), {@code --once} versus polling until SIGTERM, and the exit code.
 * A subclass says which topics it writes and runs its collector against the sink.
 */
abstract class CollectorCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(CollectorCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--print",
            description = "Write scenario-file JSON lines to stdout instead of sending to Kafka (the contract's topic "
                    + "names; the output replays with `correlator replay`).")
    boolean print;

    @Option(names = "--once", description = "Collect one round, send it, and exit (non-zero when it could not be sent).")
    boolean once;

    @Option(names = "--topic", paramLabel = "NAME",
            description = "Topic to write to instead of the configured one (the topic.* settings, "
                    + "e.g. INCIDENT_CORRELATOR_TOPIC_ETCD_LATENCY, and topic-prefix).")
    String topic;

    @Option(names = "--flush-timeout", paramLabel = "DURATION",
            defaultValue = CollectorBuiltIns.FLUSH_TIMEOUT,
            description = "How long --once and shutdown wait for Kafka to acknowledge what was collected "
                    + "(env INCIDENT_CORRELATOR_COLLECT_FLUSH_TIMEOUT).")
    String flushTimeout;

    @Option(names = "--health-port", paramLabel = "PORT",
            description = "Serve /health/live, /health/ready and /metrics (Prometheus) on this port; 0 picks a free "
                    + "one (default off; env INCIDENT_CORRELATOR_COLLECT_HEALTH_PORT). Ready is 503 while a source "
                    + "has failed for longer than --failure-budget.")
    Integer healthPort;

    @Option(names = "--health-bind", paramLabel = "ADDRESS",
            defaultValue = CollectorBuiltIns.HEALTH_BIND,
            description = "Address the health port listens on (env "
                    + "INCIDENT_CORRELATOR_COLLECT_HEALTH_BIND).")
    String healthBind;

    @Option(names = "--failure-budget", paramLabel = "DURATION",
            defaultValue = CollectorBuiltIns.FAILURE_BUDGET,
            description = "How long a source may fail (retried with backoff) before /health/ready says DOWN and "
                    + "correlator_collector_sources_over_budget counts it (env "
                    + "INCIDENT_CORRELATOR_COLLECT_FAILURE_BUDGET).")
    String failureBudget;

    @Mixin
    ClusterOptions cluster;

    ConfigLoader config;
    CollectorSettings settings;
    /** The topic names in use: the configured ones, or with {@code --print} the contract's. */
    TopicNames topicNames;
    /** Set while running without {@code --once}: SIGTERM / Ctrl-C. */
    StopSignal stop;
    /** The sources' health, once the subclass has said what they are ({@link #watch}). */
    CollectorHealth health;
    private HealthServer healthServer;

    /** The configured topic this collector writes to, from {@code names}. */
    abstract String defaultTopic(TopicNames names);

    /** Other topics this collector writes: configured name → name to use. */
    Map<String, String> otherTopics(TopicNames names) {
        return Map.of();
    }

    /**
     * Runs the collector: one round with {@link #once}, else until {@link #stop} is requested.
     *
     * @param topic the topic to write to ({@code --topic} or the configured one)
     * @return the exit code
     */
    abstract int collect(EventWriter sink, String topic) throws Exception;

    @Override
    public final Integer call() throws Exception {
        config = cluster.load();
        CollectorSettings.rejectUnknown(spec, config, System.getenv());
        settings = new CollectorSettings(config, System.getenv());
        final Duration flush = settings.duration(flushTimeout, "flush-timeout");
        topicNames = print ? TopicNames.defaults() : config.correlatorConfig().topics();
        final TopicNames names = topicNames;
        final String target = topic != null ? topic : defaultTopic(names);
        // Configured name → the name used, so the topic registry still picks each topic's serde.
        final Map<String, String> topics = new LinkedHashMap<>(otherTopics(names));
        topics.put(defaultTopic(names), target);

        stop = once ? null : StopSignal.install(flush.plusSeconds(10));
        try {
            return print ? printing(target) : toKafka(names, topics, target, flush);
        } finally {
            if (healthServer != null) {
                healthServer.close();
            }
            if (stop != null) {
                stop.close();
            }
        }
    }

    /**
     * Says which sources this collector reads; their health decides {@code --once}'s exit code,
     * {@code /health/ready} and the source metrics. Starts the health port when one is asked for.
     */
    void watch(Supplier<? extends Collection<SourceHealth>> sources) {
        watch(sources, () -> "");
    }

    /** As {@link #watch(Supplier)}, with {@code more} (Prometheus text) served after the source metrics. */
    void watch(Supplier<? extends Collection<SourceHealth>> sources, Supplier<String> more) {
        health = new CollectorHealth(spec.name(), settings.duration(failureBudget, "failure-budget"), Clock.systemUTC(), sources);
        final String port = settings.get(healthPort == null ? null : healthPort.toString(), "health-port");
        if (port == null || healthServer != null) {
            return;
        }
        final int number;
        try {
            number = Integer.parseInt(port);
            if (number < 0 || number > 65_535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw CollectorSettings.invalid("health-port", port, "a port number (0 for any free one)");
        }
        final String bind = settings.get(healthBind, "health-bind");
        final CollectorHealth h = health;
        healthServer = HealthServer.start(new InetSocketAddress(bind, number),
                () -> new HealthServer.Status(true, "{\"status\":\"UP\"}"),
                () -> new HealthServer.Status(h.ready(), h.readyJson()),
                () -> h.metrics() + more.get());
        LOG.info("{}: health and metrics at http://{}:{}/health/ready and /metrics", spec.name(), bind,
                healthServer.port());
    }

    /** The health port actually bound (for tests with port 0); -1 when none. */
    int healthPort() {
        return healthServer == null ? -1 : healthServer.port();
    }

    /**
     * {@code --once}'s verdict: non-zero, with one line per failed source on stderr, when any
     * source's latest attempt failed (the log above says more).
     */
    int onceExitCode() {
        final List<SourceHealth> failed = health == null ? List.of() : health.failing();
        for (SourceHealth s : failed) {
            spec.commandLine().getErr().println("collect " + spec.name() + ": " + s.source() + " failed: "
                    + s.lastReason());
        }
        spec.commandLine().getErr().flush();
        return failed.isEmpty() ? 0 : CorrelatorCli.EXIT_FAILURE;
    }

    private int printing(String target) throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final ScenarioLineWriter lines = new ScenarioLineWriter(out);
        // Flushed per line: someone is watching, or a pipe is recording a scenario.
        return collect((t, key, value) -> {
            lines.send(t, key, value);
            out.flush();
        }, target);
    }

    private int toKafka(TopicNames names, Map<String, String> topics, String target, Duration flush) throws Exception {
        final String bootstrap = cluster.bootstrap(config);
        final String registryUrl = cluster.registryUrl(config);
        if (bootstrap == null) {
            throw new ConfigException("no Kafka cluster: give --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS "
                    + "(or --print to see the records instead)");
        }
        if (registryUrl == null) {
            throw new ConfigException("no schema registry: give --schema-registry-url or "
                    + "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL");
        }
        final SchemaRegistryClient registry = SchemaRegistries.forUrl(registryUrl, config.registrySettings());
        int code;
        final KafkaEventWriter sink = kafkaSink(config, names, topics, bootstrap, registry,
                "incident-correlator-" + spec.name());
        try {
            code = collect(sink, target);
        } finally {
            final KafkaEventWriter.Totals totals = sink.close(flush);
            registry.close();
            if (!totals.complete()) {
                spec.commandLine().getErr().printf("collect %s: %d record(s) were not delivered to Kafka "
                                + "(%d delivered); see the log above%n", spec.name(), totals.lost(), totals.delivered());
                spec.commandLine().getErr().flush();
                code = CorrelatorCli.EXIT_FAILURE;
            }
        }
        return code;
    }

    /**
     * The producer every collector writes through, in its own process or in {@code run}'s: registry-framed
     * Avro per topic, idempotent, {@code acks=all}.
     *
     * @param topics configured topic name → the name written to (each keeps its configured serde)
     */
    static KafkaEventWriter kafkaSink(ConfigLoader config, TopicNames names, Map<String, String> topics,
                                    String bootstrap, SchemaRegistryClient registry, String clientId) {
        final Topics registryTopics = Pipeline.topics(config.correlatorConfig().withTopics(names), registry);
        final Map<String, Serializer<SpecificRecord>> serializers = new HashMap<>();
        topics.forEach((configured, used) -> serializers.put(used,
                registryTopics.<SpecificRecord>valueSerdeFor(configured).serializer()));
        final Map<String, Object> producer = new HashMap<>(config.kafkaSettings());
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producer.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return new KafkaEventWriter(producer, serializers, KafkaEventWriter.Options.defaults());
    }

    /** One round of a collector; returns the number of records sent. */
    @FunctionalInterface
    interface Round {
        int run() throws InterruptedException;
    }

    /**
     * {@code --once}: runs {@code once} (exit 1 when {@code mustSend} and nothing came out: the
     * source failed, the log says why). Otherwise runs {@code poll} every {@code delay} until stopped.
     */
    int pollLoop(Round poll, Supplier<Duration> delay, Round once, boolean mustSend) throws InterruptedException {
        if (this.once) {
            final int sent = once.run();
            LOG.info("{}: {} record(s) collected", spec.name(), sent);
            final int code = onceExitCode();
            if (code == 0 && sent == 0 && mustSend) {
                spec.commandLine().getErr().println("collect " + spec.name() + ": nothing collected (see the log)");
                spec.commandLine().getErr().flush();
                return CorrelatorCli.EXIT_FAILURE;
            }
            return code;
        }
        pollUntilStopped(spec.name(), poll, delay, stop::await);
        return 0;
    }

    /** Waits up to a time; true when asked to stop. */
    @FunctionalInterface
    interface Pause {
        boolean await(Duration d) throws InterruptedException;
    }

    /** Runs {@code poll} every {@code delay} until {@code stop} says so: a collector's life, in any process. */
    static void pollUntilStopped(String name, Round poll, Supplier<Duration> delay, Pause stop)
            throws InterruptedException {
        LOG.info("{}: collecting every {} s until stopped", name, delay.get().toSeconds());
        String roundFailure = null;
        do {
            // A round that throws (a bug, a sink that gave up) must not end the loop and leave the
            // process up and idle: it is logged once per distinct failure and the next round runs.
            try {
                poll.run();
                if (roundFailure != null) {
                    LOG.info("{}: rounds complete again", name);
                    roundFailure = null;
                }
            } catch (RuntimeException e) {
                final String reason = e.toString();
                if (!reason.equals(roundFailure)) {
                    LOG.warn("{}: a round failed: {}; trying again next round", name, reason);
                    LOG.debug("{}: round failure", name, e);
                }
                roundFailure = reason;
            }
        } while (!stop.await(delay.get()));
        LOG.info("{}: stopping", name);
    }

    /** Without {@code --once}: blocks until SIGTERM / Ctrl-C. */
    void awaitStop() throws InterruptedException {
        LOG.info("{}: running until stopped", spec.name());
        stop.await();
        LOG.info("{}: stopping", spec.name());
    }
}
