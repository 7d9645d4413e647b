package io.incidentcorrelator.topology;

import io.incidentcorrelator.serde.AvroClassTrust;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.internal.ClassifiedRestart;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.config.StoreType;
import io.incidentcorrelator.metrics.CorrelatorMetrics;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import io.incidentcorrelator.topics.ValueSerdes;
import io.incidentcorrelator.topology.internal.ClusterPartitioner;
import io.incidentcorrelator.kafkainternal.CommitBufferedKeyValueStore;
import io.incidentcorrelator.kafkainternal.CommitBufferedWindowStore;
import io.incidentcorrelator.topology.internal.DeadLetterProcessor;
import io.incidentcorrelator.topology.internal.EventAligner;
import io.incidentcorrelator.topology.internal.EventDeserializer;
import io.incidentcorrelator.topology.internal.EventRouter;
import io.incidentcorrelator.topology.internal.EventTimeExtractor;
import io.incidentcorrelator.topology.internal.EventValidation;
import io.incidentcorrelator.topology.internal.EvidenceBucket;
import io.incidentcorrelator.topology.internal.EvidenceBucketSerde;
import io.incidentcorrelator.topology.internal.GlobalTableUpdater;
import io.incidentcorrelator.topology.internal.IncidentProcessor;
import io.incidentcorrelator.topology.internal.IncidentsViewUpdater;
import io.incidentcorrelator.topology.internal.LateRecordGate;
import io.incidentcorrelator.topology.internal.Lateness;
import io.incidentcorrelator.topology.internal.MetricCounter;
import io.incidentcorrelator.topology.internal.SourceTopics;
import io.incidentcorrelator.topology.internal.TimelineRecorder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The correlation topology, read top to bottom as the dataflow:
 * <pre>
 *  inventory ──────────► global store inventory-store ─────────────┐ (node → host, host → clusters)
 *  storage-locations ──► global store storage-locations-store ─────┤ (storage → receiving host)
 *  pod-restarts ─┐                                                  │
 *  backup-events ┤ events-source ► validate ─┬► route-by-cluster ─┬► events-by-cluster (repartition)
 *  etcd-latency ─┤  (event time from payload, │ (holds events the  │    ► align-by-watermark ► late-gate ► lateness-
 *  proxmox-memory┤   each topic's own reader) │  inventory does not │
 *  clock ────────┘                            │  place yet: store   └► inventory-dead-letter-sink (never placed)
 *                                             │  events-awaiting-inventory)
 *                                             └► dead-letter-sink (reason in headers)
 *  lateness-on-time ──────────────────────────────────────────┬► correlate-and-classify ► incidents
 *  lateness-late-restart ► count-restart-beyond-horizon ──────┘  (a restart is never dropped for being late)
 *  lateness-late-evidence ► late-dead-letter-sink (samples and backups beyond the catch-up horizon)
 *  events-by-cluster ► record-timeline (store timeline-by-cluster, for the web view's chart)
 *  correlate-and-classify ► update-incidents-view (store incidents-view, by id, for the web API)
 *  (ticks on the clock topic close every window at the end of a replay;
 *   unreadable records go to the dead-letter topic from the deserialization handler, KIP-1034)
 * </pre>
 * When every input topic has one partition ({@link Shape#SINGLE_PARTITION}), one task sees every
 * cluster, so route-by-cluster feeds the timeline and the late gate directly: the same processors
 * and stores, without the repartition topic's second produce, consume and decode of every event.
 * Every processor, store and internal topic is named. A pure function of the builder and the
 * injected configuration and serdes.
 */
public final class TopologyFactory {

    static {
        // Records are copied with newBuilder(other), which Avro 1.12 allows only for trusted classes.
        AvroClassTrust.trustGeneratedClasses();
    }

    /** Name of the source of the routing tasks: the event topics and the clock. */
    public static final String EVENTS_SOURCE = "events-source";

    /** Name of the repartition step; its topic is {@code <application.id>-events-by-cluster-repartition}. */
    public static final String EVENTS_BY_CLUSTER = "events-by-cluster";

    /** How events reach the classifier's task. */
    public enum Shape {
        /** Through the events-by-cluster repartition topic, partitioned by cluster: any number of partitions. */
        REPARTITION_BY_CLUSTER,
        /**
         * Straight from the router, in the task that read them: only when every input topic has
         * exactly one partition, so that one task reads every cluster's events.
         */
        SINGLE_PARTITION
    }

    /**
     * How event-time progress crosses the repartition topic (docs/architecture.md, "Time").
     *
     * @param routingTasks the routing tasks whose watermarks the correlation waits for: the most
     *                     partitions of any input topic
     * @param idleAfter    how long an input partition may deliver nothing before it is idle
     */
    public record Progress(int routingTasks, Duration idleAfter) {
        /**
         * One task whose inputs count as idle at once: events reach the correlation in arrival
         * order, as they are piped into a {@code TopologyTestDriver} (tests of the classification).
         */
        public static final Progress ARRIVAL_ORDER = new Progress(1, Duration.ZERO);
    }

    private static final String CORRELATE = "correlate-and-classify";

    private TopologyFactory() {
    }

    /**
     * @param topics            topic names and serdes of the contract topics
     * @param internal          serdes for internal topics and state stores (no registry needed)
     * @param clock             wall clock, only to reject event times in the future
     * @param timelineRetention how long the web view's timeline is kept, behind event time
     * @param shape             with or without the repartition topic ({@code TopologyShapes} chooses)
     */
    public static Topology build(StreamsBuilder builder, CorrelatorConfig config, Topics topics, ValueSerdes internal,
                                 Clock clock, Duration timelineRetention, Shape shape) {
        return build(builder, config, topics, internal, clock, timelineRetention, shape, Progress.ARRIVAL_ORDER);
    }

    /** @param progress how many routing tasks report event-time progress, and when an input is idle */
    public static Topology build(StreamsBuilder builder, CorrelatorConfig config, Topics topics, ValueSerdes internal,
                                 Clock clock, Duration timelineRetention, Shape shape, Progress progress) {
        final TopicNames names = topics.names();
        final Serde<String> keys = topics.keySerde();
        final EventValidation validation = new EventValidation(clock);
        final EventTimeExtractor eventTime = new EventTimeExtractor(validation);

        // Moved on by every change of either table: the router rebuilds its host index only then, and
        // routes what it holds once both have been still a moment.
        final AtomicLong inventoryChangedAt = new AtomicLong();
        globalTable(builder, topics, Topic.INVENTORY, StoreNames.INVENTORY, inventoryChangedAt);
        globalTable(builder, topics, Topic.STORAGE_LOCATIONS, StoreNames.STORAGE_LOCATIONS, inventoryChangedAt);

        // One source for the event streams and the clock, each read with its own deserializer (EventDeserializer).
        final Map<String, Deserializer<?>> readers = new LinkedHashMap<>();
        for (Topic<?> topic : Topic.EVENT_SOURCES) {
            readers.put(names.name(topic), topics.valueSerde(topic).deserializer());
        }
        final KStream<String, CorrelationEvent> events = builder.stream(List.copyOf(readers.keySet()),
                Consumed.with(keys, EventDeserializer.serde(readers)).withTimestampExtractor(eventTime)
                        .withName(EVENTS_SOURCE));

        final Serde<CorrelationEvent> eventSerde = internal.forValue(CorrelationEvent.class);
        events.split(Named.as("validate-"))
                .branch((key, event) -> validation.problem(event.getPayload()) == null,
                        Branched.withConsumer(valid -> {
                            final KStream<String, CorrelationEvent> routed = placedOrDeadLetter(valid
                                    .process(router(config, inventoryChangedAt, progress, eventSerde),
                                            Named.as("route-by-cluster")), topics);
                            final KStream<String, CorrelationEvent> byCluster = shape == Shape.SINGLE_PARTITION
                                    ? routed
                                    : routed.repartition(Repartitioned.<String, CorrelationEvent>as(EVENTS_BY_CLUSTER)
                                            .withKeySerde(keys)
                                            .withValueSerde(eventSerde)
                                            .withStreamPartitioner(new ClusterPartitioner()));
                            recordTimeline(byCluster, config, timelineRetention);
                            // The late gate and the correlation share their event time (CorrelationClock).
                            final StoreBuilder<?> eventTimeStore = correlationClock(config);
                            final KStream<String, CorrelationEvent> inHorizon = withinHorizonOrDeadLetter(
                                    alignByWatermark(byCluster, config, progress, eventSerde)
                                            .process(withStores(() -> new LateRecordGate(config.grace()),
                                                    Set.of(eventTimeStore)), Named.as("late-gate")), topics);
                            correlate(inHorizon, config, topics, internal, timelineRetention, eventTimeStore);
                        }, "valid"))
                .defaultBranch(Branched.withConsumer(invalid -> invalid
                        .processValues(() -> new DeadLetterProcessor(validation), Named.as("dead-letter-reason"))
                        .to(names.deadLetter(), Produced.with(keys, topics.valueSerde(Topic.DEAD_LETTER))
                                .withName("dead-letter-sink")),
                        "invalid"));
        return builder.build();
    }

    /**
     * Routes events by cluster, holding in the {@link StoreNames#EVENTS_AWAITING_INVENTORY} store
     * those that no inventory record places yet (docs/architecture.md, "Events before their inventory").
     */
    private static ProcessorSupplier<String, CorrelationEvent, String, CorrelationEvent> router(
            CorrelatorConfig config, AtomicLong inventoryChangedAt, Progress progress, Serde<CorrelationEvent> events) {
        final StoreBuilder<KeyValueStore<Bytes, byte[]>> held = Stores.keyValueStoreBuilder(
                config.storeType() == StoreType.IN_MEMORY
                        ? Stores.inMemoryKeyValueStore(StoreNames.EVENTS_AWAITING_INVENTORY)
                        : Stores.persistentKeyValueStore(StoreNames.EVENTS_AWAITING_INVENTORY),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingEnabled(ChangelogSettings.TOPIC_CONFIG);
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, CorrelationEvent, String, CorrelationEvent> get() {
                return new EventRouter(inventoryChangedAt, progress.idleAfter(), events, config.grace(),
                        config.holdCapacity());
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(held);
            }
        };
    }

    /** Events given up for an inventory gap (keyed {@code inventory:...}) to the dead-letter topic; the rest on. */
    private static KStream<String, CorrelationEvent> placedOrDeadLetter(KStream<String, CorrelationEvent> routed,
                                                                      Topics topics) {
        return routed.split(Named.as("placement-"))
                .branch((key, event) -> EventRouter.isInventoryGap(key), Branched.withConsumer(unplaced -> unplaced
                        .processValues(() -> new DeadLetterProcessor(CorrelatorMetrics.Reason.INVENTORY,
                                DeadLetterProcessor.Reason.fromHeader(), null), Named.as("inventory-dead-letter-reason"))
                        .to(topics.names().deadLetter(), Produced.with(topics.keySerde(),
                                topics.valueSerde(Topic.DEAD_LETTER)).withName("inventory-dead-letter-sink")), "unplaced"))
                .defaultBranch(Branched.as("placed"))
                .get("placement-placed");
    }

    /**
     * Splits on the late gate's verdict ({@link Lateness}): evidence beyond the catch-up horizon to
     * the dead-letter topic; restarts beyond it counted and correlated all the same; the rest on.
     */
    private static KStream<String, CorrelationEvent> withinHorizonOrDeadLetter(
            KStream<String, Lateness.Judged> judged, Topics topics) {
        final TopicNames names = topics.names();
        final Map<String, KStream<String, Lateness.Judged>> byLateness = judged.split(Named.as("lateness-"))
                .branch((key, j) -> j.lateness() == Lateness.EVIDENCE_BEYOND_HORIZON, Branched.as("late-evidence"))
                .branch((key, j) -> j.lateness() == Lateness.RESTART_BEYOND_HORIZON, Branched.as("late-restart"))
                .defaultBranch(Branched.as("on-time"));
        byLateness.get("lateness-late-evidence")
                .mapValues(Lateness.Judged::event, Named.as("late-evidence-event"))
                .processValues(() -> new DeadLetterProcessor(CorrelatorMetrics.Reason.LATE,
                                DeadLetterProcessor.Reason.fromHeader(), new SourceTopics(names)),
                        Named.as("late-dead-letter-reason"))
                .to(names.deadLetter(), Produced.with(topics.keySerde(), topics.valueSerde(Topic.DEAD_LETTER))
                        .withName("late-dead-letter-sink"));
        final KStream<String, Lateness.Judged> lateRestarts = byLateness.get("lateness-late-restart")
                .processValues(() -> new MetricCounter<String, Lateness.Judged>(
                        CorrelatorMetrics::restartBeyondHorizon), Named.as("count-restart-beyond-horizon"));
        return byLateness.get("lateness-on-time")
                .merge(lateRestarts, Named.as("within-horizon-and-late-restarts"))
                .mapValues(Lateness.Judged::event, Named.as("judged-event"));
    }

    /** The correlation to the incidents topic, and the web view's incidents. */
    private static void correlate(KStream<String, CorrelationEvent> gated, CorrelatorConfig config,
                                  Topics topics, ValueSerdes internal, Duration viewRetention,
                                  StoreBuilder<?> clock) {
        final TopicNames names = topics.names();
        final KStream<String, Incident> incidents = gated.process(incidentProcessor(config, internal, clock),
                Named.as(CORRELATE));
        incidents.to(names.incidents(), Produced.with(topics.keySerde(), topics.valueSerde(Topic.INCIDENTS))
                .withName("incidents-sink"));
        // The web view's incidents, by id, in the classifier's task (partitioned by cluster), kept
        // as long as the web view's timeline.
        final StoreBuilder<KeyValueStore<String, Incident>> view = keyValueStore(StoreNames.INCIDENTS_VIEW,
                config.storeType() == StoreType.IN_MEMORY, internal.forValue(Incident.class));
        incidents.process(withStore(() -> new IncidentsViewUpdater(viewRetention), view),
                Named.as("update-incidents-view"));
    }

    private static StoreBuilder<KeyValueStore<String, Long>> correlationClock(CorrelatorConfig config) {
        return Stores.keyValueStoreBuilder(config.storeType() == StoreType.IN_MEMORY
                ? Stores.inMemoryKeyValueStore(StoreNames.CORRELATION_CLOCK)
                : Stores.persistentKeyValueStore(StoreNames.CORRELATION_CLOCK), Serdes.String(), Serdes.Long())
                .withCachingEnabled().withLoggingEnabled(ChangelogSettings.TOPIC_CONFIG);
    }

    /** Every routing task's events in event-time order, released by their joint watermark ({@link EventAligner}). */
    private static KStream<String, CorrelationEvent> alignByWatermark(KStream<String, CorrelationEvent> byCluster,
                                                                      CorrelatorConfig config, Progress progress,
                                                                      Serde<CorrelationEvent> events) {
        final boolean inMemory = config.storeType() == StoreType.IN_MEMORY;
        // Most events are released within the commit that buffered them: only the net change is logged.
        final StoreBuilder<KeyValueStore<Bytes, byte[]>> buffer = CommitBufferedKeyValueStore.builder(inMemory
                ? Stores.inMemoryKeyValueStore(StoreNames.ALIGN_BUFFER)
                : Stores.persistentKeyValueStore(StoreNames.ALIGN_BUFFER))
                .withLoggingEnabled(ChangelogSettings.TOPIC_CONFIG);
        final StoreBuilder<KeyValueStore<Integer, Long>> reported = Stores.keyValueStoreBuilder(inMemory
                ? Stores.inMemoryKeyValueStore(StoreNames.ROUTING_PROGRESS)
                : Stores.persistentKeyValueStore(StoreNames.ROUTING_PROGRESS), Serdes.Integer(), Serdes.Long())
                // A handful of keys written for nearly every event released (the frontier): cached,
                // so the changelog gets each key's last value per commit, not every write.
                .withCachingEnabled().withLoggingEnabled(ChangelogSettings.TOPIC_CONFIG);
        return byCluster.process(new ProcessorSupplier<String, CorrelationEvent, String, CorrelationEvent>() {
            @Override
            public Processor<String, CorrelationEvent, String, CorrelationEvent> get() {
                return new EventAligner(progress.routingTasks(), events, config.pendingFlushAfter(), config.grace(),
                        progress.idleAfter());
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(buffer, reported);
            }
        }, Named.as("align-by-watermark"));
    }

    /**
     * What the web view's timeline chart needs, per cluster and minute. Fed before the late gate:
     * a late sample is still a true sample for a person looking at the chart.
     */
    private static void recordTimeline(KStream<String, CorrelationEvent> byCluster, CorrelatorConfig config,
                                       Duration retention) {
        final boolean inMemory = config.storeType() == StoreType.IN_MEMORY;
        // One window per minute; a bucket is rewritten as points arrive, so no duplicates.
        final WindowBytesStoreSupplier supplier = inMemory
                ? Stores.inMemoryWindowStore(StoreNames.TIMELINE, retention, TimelinePoint.BUCKET, false)
                : Stores.persistentWindowStore(StoreNames.TIMELINE, retention, TimelinePoint.BUCKET, false);
        // Buffered until commit: a bucket written many times between two commits is encoded and
        // reaches the changelog once. The web view reads it as of the last commit.
        final StoreBuilder<WindowStore<String, TimelineBucket>> store =
                CommitBufferedWindowStore.builder(supplier, TimelineBucket.SERDE)
                        .withLoggingEnabled(ChangelogSettings.TOPIC_CONFIG);
        byCluster.process(withStore(TimelineRecorder::new, store), Named.as("record-timeline"));
    }

    /** A processor that only writes its own store (a view for interactive queries). */
    private static <K, V> ProcessorSupplier<K, V, Void, Void> withStore(Supplier<Processor<K, V, Void, Void>> processor,
                                                                       StoreBuilder<?> store) {
        return withStores(processor, Set.of(store));
    }

    /** A processor with its stores; one store builder given to two processors connects both to the store. */
    private static <KIn, VIn, KOut, VOut> ProcessorSupplier<KIn, VIn, KOut, VOut> withStores(
            Supplier<? extends Processor<KIn, VIn, KOut, VOut>> processor, Set<StoreBuilder<?>> stores) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<KIn, VIn, KOut, VOut> get() {
                return processor.get();
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return stores;
            }
        };
    }

    /**
     * A global table as a global store with {@link GlobalTableUpdater}: restored through the
     * deserialization handler, so a bad record is skipped instead of being copied into the store.
     */
    private static <V> void globalTable(StreamsBuilder builder, Topics topics, Topic<V> topic, String store,
                                        AtomicLong changedAt) {
        final Serde<String> keys = topics.keySerde();
        final Serde<V> values = topics.valueSerde(topic);
        builder.addGlobalStore(
                Stores.timestampedKeyValueStoreBuilder(Stores.persistentTimestampedKeyValueStore(store), keys, values)
                        .withLoggingDisabled(),
                topics.names().name(topic),
                Consumed.with(keys, values).withName(topic.id() + "-source"),
                () -> new GlobalTableUpdater<>(store, changedAt));
    }

    private static ProcessorSupplier<String, CorrelationEvent, String, Incident> incidentProcessor(
            CorrelatorConfig config, ValueSerdes internal, StoreBuilder<?> clock) {
        final boolean inMemory = config.storeType() == StoreType.IN_MEMORY;
        final EvidenceBucketSerde<MemorySample> sampleBuckets = new EvidenceBucketSerde<>(MemorySample.class);
        final EvidenceBucketSerde<EtcdLatencySample> etcdBuckets = new EvidenceBucketSerde<>(EtcdLatencySample.class);
        final Set<StoreBuilder<?>> stores = Set.of(
                windowStore(StoreNames.BACKUP_EVENTS, config.backupRetention(), inMemory, internal.forValue(BackupEvent.class)),
                bucketStore(StoreNames.HOST_SAMPLES, config.sampleRetention(), inMemory, sampleBuckets),
                bucketStore(StoreNames.ETCD_SAMPLES, config.sampleRetention(), inMemory, etcdBuckets),
                keyValueStore(StoreNames.RESTARTS, inMemory, internal.forValue(ClassifiedRestart.class)),
                keyValueStore(StoreNames.INCIDENTS, inMemory, internal.forValue(Incident.class)),
                clock);
        return withStores(() -> new IncidentProcessor(config, sampleBuckets, etcdBuckets), stores);
    }

    private static <V> StoreBuilder<WindowStore<String, V>> windowStore(String name, Duration retention, boolean inMemory,
                                                                        Serde<V> values) {
        // Window size 1 ms: each sample is a point in time; duplicates are kept because two
        // samples of one host may share a timestamp.
        final Function<String, WindowBytesStoreSupplier> supplier = inMemory
                ? n -> Stores.inMemoryWindowStore(n, retention, Duration.ofMillis(1), true)
                : n -> Stores.persistentWindowStore(n, retention, Duration.ofMillis(1), true);
        return Stores.windowStoreBuilder(supplier.apply(name), Serdes.String(), values)
                .withLoggingEnabled(ChangelogSettings.TOPIC_CONFIG);
    }

    /**
     * Samples by series and minute ({@link EvidenceBucket}). Buffered until the task commits: a
     * minute's bucket rewritten sample after sample between two commits reaches the changelog once.
     * Kept a bucket longer than {@code retention}, so that the last minute still holds every sample
     * inside it.
     */
    private static <T extends SpecificRecord> StoreBuilder<WindowStore<String, EvidenceBucket<T>>> bucketStore(
            String name, Duration retention, boolean inMemory, EvidenceBucketSerde<T> values) {
        final Duration kept = retention.plus(EvidenceBucket.WIDTH);
        final WindowBytesStoreSupplier supplier = inMemory
                ? Stores.inMemoryWindowStore(name, kept, EvidenceBucket.WIDTH, false)
                : Stores.persistentWindowStore(name, kept, EvidenceBucket.WIDTH, false);
        return CommitBufferedWindowStore.builder(supplier, values).withLoggingEnabled(ChangelogSettings.TOPIC_CONFIG);
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> keyValueStore(String name, boolean inMemory,
                                                                            Serde<V> values) {
        final KeyValueBytesStoreSupplier supplier = inMemory
                ? Stores.inMemoryKeyValueStore(name)
                : Stores.persistentKeyValueStore(name);
        return Stores.keyValueStoreBuilder(supplier, Serdes.String(), values)
                .withLoggingEnabled(ChangelogSettings.TOPIC_CONFIG);
    }

}
