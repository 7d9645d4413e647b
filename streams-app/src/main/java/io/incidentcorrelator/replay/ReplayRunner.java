package io.incidentcorrelator.replay;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.embedded.EmbeddedKafkaBroker;
import io.incidentcorrelator.runtime.Failures;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.runtime.TopicProvisioner;
import io.incidentcorrelator.runtime.TopologyShapes;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Runs historical events through the same topology the live pipeline uses: produces them
 * with their event times, waits until the topology has consumed everything (a clock tick past
 * the last event closes every window), and reads back the newest revision of every incident.
 * On the embedded default it brings its own broker and registry and leaves nothing behind.
 */
public final class ReplayRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayRunner.class);

    /**
     * @param bootstrapServers  an existing cluster, or null for the embedded broker
     * @param schemaRegistryUrl an existing registry, or null for the in-process one
     * @param topicPrefix       prefix of every topic; against an existing cluster a fresh one
     *                          per run keeps the replay out of the live topics
     * @param partitions        partitions of the topics the replay creates
     * @param clientOverrides   extra Kafka client / Streams settings (security, ...)
     * @param keepTopics        leave the replay's topics on an existing cluster; otherwise they, the
     *                          application's internal topics and its consumer group are deleted at the end
     */
    public record Options(
            CorrelatorConfig config,
            String bootstrapServers,
            String schemaRegistryUrl,
            String topicPrefix,
            int partitions,
            Map<String, String> clientOverrides,
            Duration timeout,
            Consumer<String> progress,
            boolean keepTopics) {

        public static Options embedded(CorrelatorConfig config, Consumer<String> progress) {
            return new Options(config, null, null, "", 1, Map.of(), Duration.ofMinutes(10), progress, false);
        }

        public Options withCluster(String bootstrap, String registryUrl, String prefix) {
            return new Options(config, bootstrap, registryUrl, prefix, partitions, clientOverrides, timeout, progress,
                    keepTopics);
        }

        public Options withClientOverrides(Map<String, String> overrides) {
            return new Options(config, bootstrapServers, schemaRegistryUrl, topicPrefix, partitions, overrides, timeout,
                    progress, keepTopics);
        }

        public Options withPartitions(int count) {
            return new Options(config, bootstrapServers, schemaRegistryUrl, topicPrefix, count, clientOverrides, timeout,
                    progress, keepTopics);
        }

        public Options withKeepTopics(boolean keep) {
            return new Options(config, bootstrapServers, schemaRegistryUrl, topicPrefix, partitions, clientOverrides,
                    timeout, progress, keep);
        }
    }

    private final Options options;

    public ReplayRunner(Options options) {
        this.options = options;
    }

    /**
     * Keeps the topology (and the embedded broker) up once a replay has been consumed, for as long
     * as {@link #whileRunning} takes: {@code demo --serve} serves the web view from it.
     */
    public interface AfterReplay {
        /** Last changes to the Streams settings before the start, e.g. {@code application.server}. */
        default void configure(Properties streamsProperties) {
        }

        /** Everything was consumed; {@code incidents} as {@link #run} returns them. Returning ends the replay. */
        void whileRunning(KafkaStreams streams, List<Incident> incidents) throws InterruptedException;
    }

    /** Replays {@code events} (in any order) and returns the newest revision of each incident, sorted. */
    public List<Incident> run(List<ScenarioEvent> events) {
        return run(events, null);
    }

    /** As {@link #run(List)}, calling {@code after} (null: none) before the topology stops. */
    public List<Incident> run(List<ScenarioEvent> events, AfterReplay after) {
        final List<ScenarioEvent> ordered = ScenarioEvents.orderForReplay(events);
        final String runId = UUID.randomUUID().toString().substring(0, 8);
        final long started = System.nanoTime();
        EmbeddedKafkaBroker broker = null;
        final String registryScope = "replay-" + runId;
        Path stateDir = null;
        final String applicationId = "incident-correlator-replay-" + runId;
        final CorrelatorConfig config = options.config()
                .withTopics(options.config().topics().withPrefix(options.topicPrefix()))
                .withPendingFlushAfter(Duration.ZERO);
        try {
            final String bootstrap;
            if (options.bootstrapServers() == null) {
                progress("starting the embedded Kafka broker (KRaft)");
                broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
                bootstrap = broker.bootstrapServers();
            } else {
                bootstrap = options.bootstrapServers();
            }
            final String registryUrl = options.schemaRegistryUrl() != null ? options.schemaRegistryUrl()
                    : SchemaRegistries.MOCK_SCHEME + registryScope;
            final SchemaRegistryClient registry = SchemaRegistries.forUrl(registryUrl, options.clientOverrides());
            final Topics topics = Pipeline.topics(config, registry);
            stateDir = Files.createTempDirectory("incident-correlator-replay-");

            try (Admin admin = Admin.create(clientProperties(bootstrap))) {
                TopicProvisioner.ensureTopics(admin, config.topics(), options.partitions(),
                        options.bootstrapServers() == null ? "the embedded broker" : options.bootstrapServers(),
                        TopicProvisioner.KEEP_FOREVER);
                progress("producing " + ordered.size() + " events");
                final Instant lastEvent = produce(bootstrap, topics, ordered);
                final ClosingTick tick = new ClosingTick(options.config(), config.topics().clock(), lastEvent, bootstrap,
                        options.clientOverrides());

                final Properties props = Pipeline.streamsProperties(config, bootstrap, applicationId, stateDir,
                        Pipeline.withReplayDefaults(options.clientOverrides()));
                List<Incident> served = null;
                if (after != null) {
                    after.configure(props);
                }
                final TopologyShapes.Choice shape = TopologyShapes.choose(admin, config.topics(), applicationId);
                LOG.info("Topology: {}", shape.reason());
                try (KafkaStreams streams = Pipeline.streams(Pipeline.topology(config, topics, props, shape),
                        props)) {
                    final AtomicReference<Throwable> failure = new AtomicReference<>();
                    streams.setUncaughtExceptionHandler(e -> {
                        failure.set(e);
                        return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                                .StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                    });
                    progress("starting the correlation topology");
                    streams.start();
                    waitUntilConsumed(admin, applicationId, config.topics(), tick, failure);
                    if (after != null) {
                        // Read now: after a Ctrl-C the embedded broker may be stopping by its own hook.
                        served = readIncidents(bootstrap, topics);
                        try {
                            after.whileRunning(streams, served);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    // Leave the group: a replay's group is its own, and a member left behind would keep it
                    // from being deleted until its session expired.
                    streams.close(org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                            org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                            .withTimeout(Duration.ofSeconds(30)));
                }
                final List<Incident> incidents = served != null ? served : readIncidents(bootstrap, topics);
                progress(String.format("done: %d incidents from %d events in %.1f s (event time up to %s)",
                        incidents.size(), ordered.size(), (System.nanoTime() - started) / 1e9, lastEvent));
                return incidents;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (broker != null) {
                broker.close();
            } else if (!options.keepTopics()) {
                deleteTopics(config.topics(), applicationId);
            }
            if (options.schemaRegistryUrl() == null) {
                SchemaRegistries.dropMockScope(registryScope);
            }
            deleteQuietly(stateDir);
        }
    }

    /**
     * On an existing cluster the replay leaves nothing behind: its topics, the application's internal topics
     * (changelogs, repartition) and its consumer group. Best effort: a failure here must not hide the replay's result.
     */
    private void deleteTopics(TopicNames names, String applicationId) {
        try (Admin admin = Admin.create(clientProperties(options.bootstrapServers()))) {
            // Without a prefix the names are the live topics: those are never the replay's to delete.
            final Set<String> doomed = options.topicPrefix().isEmpty() ? new HashSet<>() : new HashSet<>(names.all());
            for (String topic : admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS)) {
                if (topic.startsWith(applicationId + "-")) {
                    doomed.add(topic);
                }
            }
            try {
                admin.deleteConsumerGroups(List.of(applicationId)).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                LOG.debug("Replay group {} not deleted: {}", applicationId, Failures.rootMessage(e));
            }
            admin.deleteTopics(doomed).all().get(60, java.util.concurrent.TimeUnit.SECONDS);
            progress("deleted the replay's " + doomed.size() + " topics (--keep-topics keeps them)");
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("Could not delete the replay's topics on {}: {}", options.bootstrapServers(), Failures.rootMessage(e));
        }
    }

    /** Produces every event with its event time as the record timestamp; returns the last event time. */
    private Instant produce(String bootstrap, Topics topics, List<ScenarioEvent> ordered) {
        final Properties p = clientProperties(bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // Fail with a clear error instead of retrying forever if the cluster does not take the data.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        Instant last = Instant.EPOCH;
        final TopicNames names = topics.names();
        final AtomicReference<Exception> sendFailure = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            for (ScenarioEvent e : ordered) {
                final String topic = names.name(e.topic());
                final byte[] value = topics.serialize(e.topic(), e.value());
                final Long timestamp = e.eventTime() == null ? null : e.eventTime().toEpochMilli();
                producer.send(new ProducerRecord<>(topic, null, timestamp, e.key(), value), (metadata, error) -> {
                    if (error != null) {
                        sendFailure.compareAndSet(null, error);
                    }
                });
                if (e.eventTime() != null && e.eventTime().isAfter(last)) {
                    last = e.eventTime();
                }
            }
            // To every partition: each routing task's watermark waits for it (docs/architecture.md, "Time").
            final ProducerRecord<String, byte[]> tick = ClosingTick.record(options.config(), names.clock(), last);
            for (int partition = 0; partition < options.partitions(); partition++) {
                producer.send(new ProducerRecord<>(tick.topic(), partition, tick.timestamp(), tick.key(), tick.value()),
                        (metadata, error) -> {
                            if (error != null) {
                                sendFailure.compareAndSet(null, error);
                            }
                        });
            }
            producer.flush();
        }
        if (sendFailure.get() != null) {
            final String hint = sendFailure.get() instanceof org.apache.kafka.common.errors.InvalidTimestampException
                    ? " (the closing tick is stamped " + Instant.ofEpochMilli(ClosingTick.record(options.config(),
                    names.clock(), last).timestamp()) + ", more than the topic's message.timestamp.after.max.ms ahead "
                    + "of the broker's clock; topics the replay creates allow it: replay into a fresh --topic-prefix, "
                    + "or raise the setting on the existing topics)" : "";
            throw new IllegalStateException("Kafka did not accept the scenario's events: " + Failures.rootMessage(sendFailure.get())
                    + hint, sendFailure.get());
        }
        return last;
    }

    /**
     * Done when the application's committed offsets reach the end of every topic it consumes,
     * the repartition topic included if it has one: exactly-once commits output and offsets
     * together, so the incidents are then all committed too.
     */
    private void waitUntilConsumed(Admin admin, String applicationId, TopicNames names, ClosingTick tick,
                                   AtomicReference<Throwable> failure) {
        final List<String> inputs = TopologyShapes.inputTopics(names);
        final long deadline = System.nanoTime() + options.timeout().toNanos();
        long lastReport = 0;
        while (true) {
            if (failure.get() != null) {
                throw new IllegalStateException("The correlation topology failed: " + Failures.rootMessage(failure.get()),
                        failure.get());
            }
            try {
                final Map<String, Long> behindByTopic = TopologyShapes.behindByTopic(admin, applicationId, inputs);
                final long behind = TopologyShapes.total(behindByTopic);
                if (behind == 0) {
                    return;
                }
                tick.resendIfOnlyTheClockIsBehind(behindByTopic);
                if (System.nanoTime() - lastReport > 2_000_000_000L) {
                    progress(behind + " records still to process");
                    lastReport = System.nanoTime();
                }
            } catch (ExecutionException e) {
                LOG.debug("Progress check failed, retrying: {}", Failures.rootMessage(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the topology", e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The topology did not finish within " + options.timeout());
            }
            Failures.sleep(100);
        }
    }

    /** The compacted topic's newest value per id, read with read_committed; tombstones remove an id. */
    private List<Incident> readIncidents(String bootstrap, Topics topics) {
        final Properties p = clientProperties(bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final String topic = topics.names().incidents();
        final Map<String, Incident> newest = new LinkedHashMap<>();
        try (KafkaConsumer<String, Incident> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                topics.valueSerde(Topic.INCIDENTS).deserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            final Set<TopicPartition> remaining = new HashSet<>(partitions);
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!remaining.isEmpty()) {
                for (ConsumerRecord<String, Incident> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        newest.remove(record.key());
                    } else {
                        newest.put(record.key(), record.value());
                    }
                }
                remaining.removeIf(tp -> consumer.position(tp) >= ends.get(tp));
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read the incidents topic to its end within 60 s");
                }
            }
        }
        final List<Incident> sorted = new ArrayList<>(newest.values());
        sorted.sort(INCIDENT_ORDER);
        return sorted;
    }

    public static final Comparator<Incident> INCIDENT_ORDER = Comparator.comparing(Incident::getWindowStart)
            .thenComparing(Incident::getCluster)
            .thenComparing(i -> i.getCategory().ordinal())
            .thenComparing(Incident::getId);

    private Properties clientProperties(String bootstrap) {
        final Properties p = new Properties();
        p.putAll(options.clientOverrides());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    private void progress(String message) {
        if (options.progress() != null) {
            options.progress().accept(message);
        }
    }


    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.debug("Could not delete {}: {}", dir, e.getMessage());
        }
    }
}
