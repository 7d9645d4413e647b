package io.incidentcorrelator.testsupport;

import io.incidentcorrelator.runtime.TopologyShapes;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.replay.IncidentJsonWriter;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.runtime.TopicProvisioner;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One namespaced copy of the pipeline's topics on a test broker, and what the reliability ITs do
 * with it: create the topics, produce a scenario, tell how far an application got (its committed
 * offsets against the end offsets, as {@code ReplayRunner} does), and read back every committed
 * revision of every incident.
 *
 * <p>Each rig has its own topic prefix, so a clean reference run and a run under test can share
 * one broker and one registry.
 */
public final class PipelineRig {

    private final String bootstrap;
    private final String registryUrl;
    private final String prefix;
    private final int partitions;
    private final CorrelatorConfig config;
    private final Topics topics;

    /** Events are produced with the contract's keys, partitioned by key as a producer does by default. */
    public PipelineRig(String bootstrap, String registryUrl, String prefix, int partitions) {
        this.bootstrap = bootstrap;
        this.registryUrl = registryUrl;
        this.prefix = prefix;
        this.partitions = partitions;
        this.config = CorrelatorConfig.defaults().withTopics(TopicNames.defaults().withPrefix(prefix));
        this.topics = Pipeline.topics(config, SchemaRegistries.forUrl(registryUrl, Map.of()));
    }

    public TopicNames names() {
        return topics.names();
    }

    /** The same topics' settings with another prefix: for a reference run to compare with. */
    public PipelineRig withPrefix(String otherPrefix) {
        return new PipelineRig(bootstrap, registryUrl, otherPrefix, partitions);
    }

    public String bootstrap() {
        return bootstrap;
    }

    public String registryUrl() {
        return registryUrl;
    }

    /**
     * The settings file the app under test reads ({@code --config}): this rig's topics, and the
     * event-time-only mode so that a run's output depends on its input alone.
     *
     * <ul>
     *   <li>{@code pending-flush-after=0s}: no wall-clock classification, which would depend on
     *       how long a restarted instance took to come back;</li>
     *   <li>{@code max.task.idle.ms}: take records of the merged inputs in event-time order;</li>
     *   <li>a short session timeout: a killed member leaves the group in seconds, not 45 s;</li>
     *   <li>window-store changelogs kept for years: Streams gives them a retention of the window
     *       plus one day, which the broker measures against record timestamps, here months old;
     *       without it a restore after a crash would find the evidence deleted.</li>
     * </ul>
     */
    public Path writeConfig(Path dir, Map<String, String> extra) {
        final Map<String, String> settings = new LinkedHashMap<>();
        settings.put("incident-correlator.topic-prefix", prefix);
        settings.put("incident-correlator.pending-flush-after", "0s");
        settings.put("kafka.max.task.idle.ms", "500");
        settings.put("kafka.session.timeout.ms", "6000");
        settings.put("kafka.heartbeat.interval.ms", "1000");
        settings.put("kafka.windowstore.changelog.additional.retention.ms", String.valueOf(Duration.ofDays(3650).toMillis()));
        settings.putAll(extra);
        final StringBuilder text = new StringBuilder();
        settings.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        try {
            Files.createDirectories(dir);
            final Path file = dir.resolve(prefix + "correlator.properties");
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The event, table and clock topics with this rig's partition count; dead letters with one.
     *
     * <p>The scenarios' records carry their event times, months in the past. Time-based retention
     * and segment rolling go by record timestamps, so with a default retention the broker would
     * delete the input within a minute (its first retention check). The event topics keep
     * everything, and so does the incident topic, which is not compacted here: the tests read
     * every revision ever committed, not only the newest.
     */
    public void createTopics() {
        final TopicNames n = names();
        final Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        final Map<String, String> keepAll = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, "-1");
        final List<NewTopic> wanted = new ArrayList<>();
        for (String t : n.eventTopics()) {
            wanted.add(new NewTopic(t, Optional.of(partitions), Optional.empty()).configs(keepAll));
        }
        for (String t : List.of(n.inventory(), n.storageLocations())) {
            wanted.add(new NewTopic(t, Optional.of(partitions), Optional.empty()).configs(compacted));
        }
        wanted.add(new NewTopic(n.incidents(), Optional.of(partitions), Optional.empty()).configs(keepAll));
        wanted.add(new NewTopic(n.deadLetter(), Optional.of(1), Optional.empty()).configs(keepAll));
        // As many as the event topics, as `run` creates it: the closing tick reaches every routing task.
        wanted.add(new NewTopic(n.clock(), Optional.of(partitions), Optional.empty()).configs(keepAll));
        try (Admin admin = admin()) {
            admin.createTopics(wanted).all().get(60, TimeUnit.SECONDS);
            TopicProvisioner.awaitLeaders(admin, wanted.stream().map(NewTopic::name).toList());
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not create the topics of " + prefix + ": " + e, e);
        }
    }

    /** Produces the events in the given order (idempotent, acks=all); returns the newest event time. */
    public Instant produce(List<ScenarioEvent> events) {
        return produce(events, Integer.MAX_VALUE, 0);
    }

    /**
     * Produces the events in chunks with a pause after each, like a collector that keeps sending;
     * a broker that goes away meanwhile is waited for (up to two minutes per record).
     */
    public Instant produce(List<ScenarioEvent> events, int chunk, long pauseMillis) {
        return produce(events, chunk, pauseMillis, null);
    }

    /**
     * As above, and a chunk also ends before its events would span more than {@code maxSpan} of
     * event time (null: no limit). Within a chunk the producer may land the topics' batches in any
     * order (retries after a broker restart do), so live collectors, whose topics are seconds apart,
     * are imitated only if a chunk spans less than the grace.
     */
    public Instant produce(List<ScenarioEvent> events, int chunk, long pauseMillis, Duration maxSpan) {
        Instant last = Instant.EPOCH;
        int inChunk = 0;
        Instant chunkMin = null;
        Instant chunkMax = null;
        final java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (ScenarioEvent e : events) {
                final Instant t = e.eventTime();
                final boolean spanFull = maxSpan != null && t != null && chunkMin != null
                        && (t.isAfter(chunkMin.plus(maxSpan)) || t.isBefore(chunkMax.minus(maxSpan)));
                if (inChunk > 0 && (inChunk >= chunk || spanFull)) {
                    producer.flush();
                    sleep(pauseMillis);
                    inChunk = 0;
                    chunkMin = null;
                    chunkMax = null;
                }
                if (t != null) {
                    chunkMin = chunkMin == null || t.isBefore(chunkMin) ? t : chunkMin;
                    chunkMax = chunkMax == null || t.isAfter(chunkMax) ? t : chunkMax;
                }
                inChunk++;
                final String topic = topicFor(e);
                final byte[] value = topics.<SpecificRecord>valueSerdeFor(topic).serializer().serialize(topic, e.value());
                final Long timestamp = e.eventTime() == null ? null : e.eventTime().toEpochMilli();
                producer.send(new ProducerRecord<>(topic, null, timestamp, e.key(), value), (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
                if (e.eventTime() != null && e.eventTime().isAfter(last)) {
                    last = e.eventTime();
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new AssertionError("Could not produce every event: " + failure.get(), failure.get());
        }
        return last;
    }

    /**
     * One clock tick past every window after {@code lastEvent}, as a replay ends. Produced only
     * once the app has consumed every event, so that it cannot overtake events that are still on
     * their way through another task (with several partitions that would make them late).
     */
    public void produceTick(Instant lastEvent) {
        final Instant tick = lastEvent.plus(config.groupingGap()).plus(config.grace()).plus(Duration.ofMinutes(1));
        final String topic = names().clock();
        final byte[] value = Pipeline.internalSerdes().forValue(ClockTick.class).serializer()
                .serialize(topic, new ClockTick(tick));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int partition = 0; partition < partitions; partition++) {
                producer.send(new ProducerRecord<>(topic, partition, tick.toEpochMilli(), "clock", value));
            }
            producer.flush();
        }
    }

    /** Records per event topic (end offsets, all partitions). */
    public Map<String, Long> eventTopicRecords() {
        try (Admin admin = admin()) {
            final Map<String, Long> counts = new TreeMap<>();
            endOffsets(admin, names().eventTopics()).forEach((tp, end) -> counts.merge(tp.topic(), end, Long::sum));
            return counts;
        }
    }

    /** Per event topic, how many of its partitions hold records: whether the keys spread the events. */
    public Map<String, Long> eventTopicPartitionsInUse() {
        try (Admin admin = admin()) {
            final Map<String, Long> counts = new TreeMap<>();
            endOffsets(admin, names().eventTopics()).forEach((tp, end) -> counts.merge(tp.topic(), end > 0 ? 1L : 0L,
                    Long::sum));
            return counts;
        }
    }

    /** How many events of each topic a list holds, named as {@link #eventTopicRecords()} names them. */
    public Map<String, Long> countByTopic(List<ScenarioEvent> events) {
        final Map<String, Long> counts = new TreeMap<>();
        for (ScenarioEvent e : events) {
            final String topic = topicFor(e);
            if (names().eventTopics().contains(topic)) {
                counts.merge(topic, 1L, Long::sum);
            }
        }
        return counts;
    }

    /** Records on the input topics (events and clock). */
    public long inputRecords() {
        try (Admin admin = admin()) {
            return endOffsets(admin, inputTopics()).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Input records the application has committed as consumed, 0 while it has committed nothing. */
    public long consumedInputRecords(String applicationId) {
        try (Admin admin = admin()) {
            final Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            return committed.entrySet().stream()
                    .filter(e -> inputTopics().contains(e.getKey().topic()) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            return 0; // the coordinator may be moving; ask again later
        }
    }

    /**
     * Whether the application's committed offsets reached the end of every input and of its
     * repartition topic. Exactly-once commits offsets and output together, so every incident
     * of the input is then committed too.
     */
    public boolean caughtUp(String applicationId) {
        try (Admin admin = admin()) {
            return TopologyShapes.behind(admin, applicationId, inputTopics()) == 0;
        } catch (InterruptedException | ExecutionException e) {
            return false;
        }
    }

    /** Waits until {@link #caughtUp}; fails early when {@code alive} turns false. */
    public void awaitCaughtUp(String applicationId, Duration timeout, BooleanSupplier alive) {
        try {
            await(applicationId + " to consume its input").atMost(timeout).pollInterval(Duration.ofMillis(200))
                    .failFast(applicationId + " stopped before it consumed its input", () -> !alive.getAsBoolean())
                    .until(() -> caughtUp(applicationId));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + " (" + consumedInputRecords(applicationId) + " of "
                    + inputRecords() + " input records)" + openTransactions(), e);
        }
    }

    /**
     * The transactions the broker still holds open, with their partitions, and the producers with an
     * open transaction on any partition of the broker: a pipeline that stops consuming after a crash is
     * often waiting for one (its committed offsets stay unstable until the transaction ends, and a
     * read_committed restore of a changelog never reaches the log end). A partition's open transaction
     * that the coordinator does not list (a hanging transaction) shows only here, so every partition is
     * asked, not only those of the listed transactions.
     */
    public String openTransactions() {
        final StringBuilder out = new StringBuilder("; open transactions:");
        try (Admin admin = admin()) {
            final List<String> open = admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream()
                    .filter(t -> !Set.of(TransactionState.EMPTY, TransactionState.COMPLETE_COMMIT,
                            TransactionState.COMPLETE_ABORT).contains(t.state()))
                    .map(TransactionListing::transactionalId).toList();
            if (open.isEmpty()) {
                out.append(" none at the coordinator");
            }
            for (TransactionDescription d : admin.describeTransactions(open).all().get(10, TimeUnit.SECONDS).values()) {
                out.append(" [").append(d.state()).append(" producer ").append(d.producerId()).append('/')
                        .append(d.producerEpoch()).append(" since ").append(d.transactionStartTimeMs().orElse(-1))
                        .append(" on ").append(d.topicPartitions()).append(']');
            }
            final Set<TopicPartition> partitions = new java.util.TreeSet<>(
                    java.util.Comparator.comparing(TopicPartition::toString));
            final Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                    .get(10, TimeUnit.SECONDS);
            admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().forEach(t ->
                    t.partitions().forEach(p -> partitions.add(new TopicPartition(t.name(), p.partition()))));
            admin.describeProducers(partitions).all().get(10, TimeUnit.SECONDS).forEach((tp, producers) ->
                    producers.activeProducers().stream().filter(pr -> pr.currentTransactionStartOffset().isPresent())
                            .forEach(pr -> out.append(" {").append(tp).append(": producer ").append(pr.producerId())
                                    .append('/').append(pr.producerEpoch()).append(" open since offset ")
                                    .append(pr.currentTransactionStartOffset().getAsLong()).append('}')));
        } catch (Exception e) {
            out.append(" (could not be read: ").append(e).append(')');
        }
        return out.toString();
    }

    public static String repartitionTopic(String applicationId) {
        return TopologyShapes.repartitionTopic(applicationId);
    }

    /**
     * Every committed revision on the incidents topic (read_committed), per incident id in the
     * order written, as JSON lines; {@code "tombstone"} for a deletion. With exactly-once, a crash
     * must leave no trace here: no revision twice, none missing.
     */
    public Map<String, List<String>> committedRevisions() {
        final Map<String, List<String>> byId = new TreeMap<>();
        readCommitted(names().incidents(), new StringDeserializer(), topics.valueSerde(Topic.INCIDENTS).deserializer(),
                r -> byId.computeIfAbsent(r.key(), k -> new ArrayList<>())
                        .add(r.value() == null ? "tombstone" : IncidentJsonWriter.toLine(r.value())));
        return byId;
    }

    /** Waits (at most 3 minutes) until {@code applicationId} committed {@code records} input records; the children must live. */
    public void awaitConsumed(String applicationId, long records, CorrelatorProcess... children) {
        await(applicationId + " to commit " + records + " input records")
                .atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20))
                .failFast(() -> {
                    for (CorrelatorProcess child : children) {
                        assertTrue(child.isAlive(), () -> child.name() + " ended by itself:\n" + child.logTail(30));
                    }
                })
                .until(() -> consumedInputRecords(applicationId) >= records);
    }

    /** Committed dead letters whose reason ({@code x-incident-correlator-error}) starts with {@code late}. */
    public long lateDeadLetters() {
        return deadLetters("late");
    }

    /** Every committed dead letter. */
    public long deadLetters() {
        return deadLetters("");
    }

    private long deadLetters(String reasonPrefix) {
        final long[] count = {0};
        readCommitted(names().deadLetter(), new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), r -> {
                    final org.apache.kafka.common.header.Header reason = r.headers().lastHeader(
                            io.incidentcorrelator.topology.internal.DeadLetterProcessor.HEADER_REASON);
                    if (reasonPrefix.isEmpty() || reason != null && new String(reason.value(),
                            java.nio.charset.StandardCharsets.UTF_8).startsWith(reasonPrefix)) {
                        count[0]++;
                    }
                });
        return count[0];
    }

    /** Every committed record of {@code topic} (read_committed), from the beginning to its current end. */
    private <K, V> void readCommitted(String topic, org.apache.kafka.common.serialization.Deserializer<K> keys,
                                      org.apache.kafka.common.serialization.Deserializer<V> values,
                                      java.util.function.Consumer<ConsumerRecord<K, V>> each) {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(p, keys, values)) {
            final List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(each);
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Could not read " + topic + " to its end within 60 s");
                }
            }
        }
    }

    /** The newest revision per id, as the compacted topic will eventually hold it; deleted ids left out. */
    public static Map<String, String> newest(Map<String, List<String>> revisions) {
        final Map<String, String> newest = new TreeMap<>();
        revisions.forEach((id, list) -> {
            final String last = list.get(list.size() - 1);
            if (!last.equals("tombstone")) {
                newest.put(id, last);
            }
        });
        return newest;
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private List<String> inputTopics() {
        return TopologyShapes.inputTopics(names());
    }

    private KafkaProducer<String, byte[]> producer() {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // A broker restart mid-run must be ridden out, not turned into an error.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private String topicFor(ScenarioEvent e) {
        return names().name(e.topic());
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topicNames) {
        try {
            final Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            admin.describeTopics(topicNames).allTopicNames().get(30, TimeUnit.SECONDS).values()
                    .forEach(d -> d.partitions().forEach(
                            p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
            final Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(request).all().get(30, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not read the end offsets of " + topicNames + ": " + e, e);
        }
    }

    /** A deliberate pause (not a wait for a condition: that is Awaitility's). */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Topics of this rig that exist on the broker, for assertions about internal topics. */
    public Set<String> existingTopics() {
        try (Admin admin = admin()) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }
}
