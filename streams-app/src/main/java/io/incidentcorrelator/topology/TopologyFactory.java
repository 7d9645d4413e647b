package io.incidentcorrelator.topology;

import io.incidentcorrelator.serde.AvroClassTrust;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.ClassifiedRestart;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.config.StoreType;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import io.incidentcorrelator.topics.ValueSerdes;
import io.incidentcorrelator.topology.internal.ClusterPartitioner;
import io.incidentcorrelator.topology.internal.DeadLetterProcessor;
import io.incidentcorrelator.topology.internal.EventRouter;
import io.incidentcorrelator.topology.internal.EventTimeExtractor;
import io.incidentcorrelator.topology.internal.EventValidation;
import io.incidentcorrelator.topology.internal.IncidentProcessor;
import io.incidentcorrelator.topology.internal.InventoryUpdater;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The correlation topology, read top to bottom as the dataflow:
 * <pre>
 *  inventory ──────────► global store inventory-store ─────────────┐ (node → host, host → clusters)
 *  storage-locations ──► GlobalKTable storage-locations-store ─────┤ (storage → receiving host)
 *  pod-restarts ─┐                                                  │
 *  backup-events ┤ event time ► wrap ► merge ► validate ─┬► route-by-cluster ► events-by-cluster (repartition)
 *  etcd-latency ─┤  from payload                         │         ► correlate-and-classify ► incidents (compacted)
 *  proxmox-memory┤                                       └► dead-letter-sink (reason in headers)
 *  clock ────────┘ (ticks close every window at the end of a replay)
 * </pre>
 * Every processor, store and internal topic is named. A pure function of the builder and the
 * injected configuration and serdes.
 */
public final class TopologyFactory {

    static {
        // Records are copied with newBuilder(other), which Avro 1.12 allows only for trusted classes.
        AvroClassTrust.trustGeneratedClasses();
    }

    /** Name of the repartition step; its topic is {@code <application.id>-events-by-cluster-repartition}. */
    public static final String EVENTS_BY_CLUSTER = "events-by-cluster";

    private TopologyFactory() {
    }

    /**
     * @param topics   topic names and serdes of the contract topics
     * @param internal serdes for internal topics and state stores (no registry needed)
     * @param clock    wall clock, only to reject event times in the future
     */
    public static Topology build(StreamsBuilder builder, CorrelatorConfig config, Topics topics, ValueSerdes internal,
                                 Clock clock) {
        final TopicNames names = topics.names();
        final Serde<String> keys = topics.keySerde();
        final EventTimeExtractor eventTime = new EventTimeExtractor();

        // The inventory is a global store like a GlobalKTable's (same store type and contents), but
        // with our own update processor: it tells the router when to rebuild its host index.
        final AtomicLong inventoryVersion = new AtomicLong();
        builder.addGlobalStore(
                Stores.timestampedKeyValueStoreBuilder(Stores.persistentTimestampedKeyValueStore(StoreNames.INVENTORY),
                        keys, topics.inventory()).withLoggingDisabled(),
                names.inventory(),
                Consumed.with(keys, topics.inventory()).withName("inventory-source"),
                () -> new InventoryUpdater(inventoryVersion));
        builder.globalTable(names.storageLocations(),
                Consumed.with(keys, topics.storageLocations()).withName("storage-locations-source"),
                Materialized.as(StoreNames.STORAGE_LOCATIONS));

        final KStream<String, CorrelationEvent> restarts = source(builder, names.podRestarts(), keys,
                topics.podRestarts(), eventTime, "pod-restarts");
        final KStream<String, CorrelationEvent> backups = source(builder, names.backupEvents(), keys,
                topics.backupEvents(), eventTime, "backup-events");
        final KStream<String, CorrelationEvent> etcd = source(builder, names.etcdLatency(), keys,
                topics.etcdLatency(), eventTime, "etcd-latency");
        final KStream<String, CorrelationEvent> memory = source(builder, names.proxmoxMemory(), keys,
                topics.proxmoxMemory(), eventTime, "proxmox-memory");
        final KStream<String, CorrelationEvent> clockTicks = source(builder, names.clock(), keys,
                internal.forValue(ClockTick.class), eventTime, "clock");

        final KStream<String, CorrelationEvent> events = restarts
                .merge(backups, Named.as("merge-backup-events"))
                .merge(etcd, Named.as("merge-etcd-latency"))
                .merge(memory, Named.as("merge-proxmox-memory"))
                .merge(clockTicks, Named.as("merge-clock"));

        final EventValidation validation = new EventValidation(clock);
        final Serde<CorrelationEvent> eventSerde = internal.forValue(CorrelationEvent.class);
        events.split(Named.as("validate-"))
                .branch((key, event) -> validation.problem(event.getPayload()) == null,
                        Branched.withConsumer(valid -> valid
                                .process(() -> new EventRouter(inventoryVersion), Named.as("route-by-cluster"))
                                .repartition(Repartitioned.<String, CorrelationEvent>as(EVENTS_BY_CLUSTER)
                                        .withKeySerde(keys)
                                        .withValueSerde(eventSerde)
                                        .withStreamPartitioner(new ClusterPartitioner()))
                                .process(incidentProcessor(config, internal), Named.as("correlate-and-classify"))
                                .to(names.incidents(), Produced.with(keys, topics.incidents()).withName("incidents-sink")),
                                "valid"))
                .defaultBranch(Branched.withConsumer(invalid -> invalid
                        .processValues(() -> new DeadLetterProcessor(validation), Named.as("dead-letter-reason"))
                        .to(names.deadLetter(), Produced.with(keys, Serdes.String()).withName("dead-letter-sink")),
                        "invalid"));
        return builder.build();
    }

    private static <V extends SpecificRecord> KStream<String, CorrelationEvent> source(
            StreamsBuilder builder, String topic, Serde<String> keys, Serde<V> values, EventTimeExtractor eventTime,
            String name) {
        return builder.stream(topic, Consumed.with(keys, values).withTimestampExtractor(eventTime)
                        .withName(name + "-source"))
                .mapValues(v -> new CorrelationEvent((Object) v), Named.as("wrap-" + name));
    }

    private static ProcessorSupplier<String, CorrelationEvent, String, Incident> incidentProcessor(
            CorrelatorConfig config, ValueSerdes internal) {
        final boolean inMemory = config.storeType() == StoreType.IN_MEMORY;
        final Set<StoreBuilder<?>> stores = Set.of(
                windowStore(StoreNames.BACKUP_EVENTS, config.backupRetention(), inMemory, internal.forValue(BackupEvent.class)),
                windowStore(StoreNames.HOST_SAMPLES, config.sampleRetention(), inMemory, internal.forValue(MemorySample.class)),
                windowStore(StoreNames.ETCD_SAMPLES, config.sampleRetention(), inMemory, internal.forValue(EtcdLatencySample.class)),
                keyValueStore(StoreNames.RESTARTS, inMemory, internal.forValue(ClassifiedRestart.class)),
                keyValueStore(StoreNames.INCIDENTS, inMemory, internal.forValue(Incident.class)));
        return new ProcessorSupplier<>() {
            @Override
            public IncidentProcessor get() {
                return new IncidentProcessor(config);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return stores;
            }
        };
    }

    private static <V> StoreBuilder<WindowStore<String, V>> windowStore(String name, Duration retention, boolean inMemory,
                                                                        Serde<V> values) {
        // Window size 1 ms: each sample is a point in time; duplicates are kept because two
        // samples of one host may share a timestamp.
        final Function<String, WindowBytesStoreSupplier> supplier = inMemory
                ? n -> Stores.inMemoryWindowStore(n, retention, Duration.ofMillis(1), true)
                : n -> Stores.persistentWindowStore(n, retention, Duration.ofMillis(1), true);
        return Stores.windowStoreBuilder(supplier.apply(name), Serdes.String(), values);
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> keyValueStore(String name, boolean inMemory,
                                                                            Serde<V> values) {
        final KeyValueBytesStoreSupplier supplier = inMemory
                ? Stores.inMemoryKeyValueStore(name)
                : Stores.persistentKeyValueStore(name);
        return Stores.keyValueStoreBuilder(supplier, Serdes.String(), values);
    }

}
