package io.incidentcorrelator.topics;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.avro.internal.ClockTick;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One topic the pipeline reads or writes, and {@link #ALL} of them: the topic registry. Settings
 * ({@code topic.<id>}), topic creation, the topology's readers, scenario files and replay all go
 * through this list; a new topic is one constant here, added to {@link #ALL}.
 * <p>
 * Keys are strings everywhere (the contract's composite keys). How the value is framed follows from
 * the {@link Role}: registry-framed Avro on the contract's topics, plain Avro binary on the clock,
 * UTF-8 text (the reason) on the dead-letter topic ({@link Topics#valueSerde}).
 *
 * @param <V> the value type
 */
public final class Topic<V> implements Comparable<Topic<?>> {

    /** What a topic is to the pipeline; decides its framing, its cleanup policy and who reads it. */
    public enum Role {
        /** An input event stream, read with the event time of its payload. */
        EVENTS,
        /** An input table (compacted), read into a global store. */
        TABLE,
        /** The output (compacted): the newest revision of each incident. */
        OUTPUT,
        /** What could not be used, the reason as the value. */
        DEAD_LETTER,
        /** Ticks that close every window at the end of a replay; read beside the event streams. */
        CLOCK;

        /** A record of the event contract, framed for the schema registry. */
        public boolean contract() {
            return this == EVENTS || this == TABLE || this == OUTPUT;
        }
    }

    public static final Topic<PodRestart> POD_RESTARTS = new Topic<>("pod-restarts", "pod-restarts",
            PodRestart.class, Role.EVENTS,
            r -> String.join("/", r.getCluster(), r.getNamespace(), r.getPod(), r.getContainer()),
            PodRestart::getFinishedAt, "Input: container restarts from the Kubernetes collector.");

    public static final Topic<BackupEvent> BACKUP_EVENTS = new Topic<>("backup-events", "backup-events",
            BackupEvent.class, Role.EVENTS, Topic::backupKey, BackupEvent::getTime,
            "Input: vzdump/PBS backup phases from the Proxmox collector.");

    public static final Topic<EtcdLatencySample> ETCD_LATENCY = new Topic<>("etcd-latency", "etcd-latency",
            EtcdLatencySample.class, Role.EVENTS, r -> r.getCluster() + "/" + r.getMember(),
            EtcdLatencySample::getTime, "Input: etcd latency samples.");

    public static final Topic<MemorySample> PROXMOX_MEMORY = new Topic<>("proxmox-memory", "proxmox-memory",
            MemorySample.class, Role.EVENTS,
            r -> r.getVmid() == null ? r.getHost() : r.getHost() + "/" + r.getVmid(),
            MemorySample::getTime, "Input: host and guest memory/CPU samples.");

    public static final Topic<NodePlacement> INVENTORY = new Topic<>("inventory", "inventory",
            NodePlacement.class, Role.TABLE, r -> r.getCluster() + "/" + r.getNode(), r -> null,
            "Input (compacted, global table): node → Proxmox host and VM.");

    public static final Topic<StorageLocation> STORAGE_LOCATIONS = new Topic<>("storage-locations",
            "storage-locations", StorageLocation.class, Role.TABLE, StorageLocation::getStorage, r -> null,
            "Input (compacted, global table): backup storage → receiving host.");

    public static final Topic<Incident> INCIDENTS = new Topic<>("incidents", "incidents", Incident.class,
            Role.OUTPUT, null, null,
            "Output (compacted): the newest revision of each incident, tombstones retract.");

    public static final Topic<String> DEAD_LETTER = new Topic<>("dead-letter", "incident-correlator-dead-letters",
            String.class, Role.DEAD_LETTER, null, null,
            "Output: records that could not be used, with the reason in headers (see below).");

    public static final Topic<ClockTick> CLOCK = new Topic<>("clock", "incident-correlator-clock", ClockTick.class,
            Role.CLOCK, null, ClockTick::getTime,
            "Internal: ticks that close windows at the end of a replay.");

    /**
     * Every topic, in the contract's order: the order of the {@code topic.*} settings, and the order
     * in which replay breaks ties between events of the same millisecond.
     */
    public static final List<Topic<?>> ALL = List.of(POD_RESTARTS, BACKUP_EVENTS, ETCD_LATENCY, PROXMOX_MEMORY,
            INVENTORY, STORAGE_LOCATIONS, INCIDENTS, DEAD_LETTER, CLOCK);

    /** What the topology reads as events, through its one source: the event streams and the clock. */
    public static final List<Topic<?>> EVENT_SOURCES = withRole(Role.EVENTS, Role.CLOCK);

    private final String id;
    private final String defaultName;
    private final Class<V> valueType;
    private final Role role;
    private final Function<V, String> key;
    private final Function<V, Instant> eventTime;
    private final String doc;

    private Topic(String id, String defaultName, Class<V> valueType, Role role, Function<V, String> key,
                  Function<V, Instant> eventTime, String doc) {
        this.id = id;
        this.defaultName = defaultName;
        this.valueType = valueType;
        this.role = role;
        this.key = key;
        this.eventTime = eventTime;
        this.doc = doc;
    }

    /**
     * The contract's name for the topic, as written in scenario files ({@code pod-restarts}); its
     * name setting is {@code topic.<id>}.
     */
    public String id() {
        return id;
    }

    /** The topic's name unless configured otherwise. */
    public String defaultName() {
        return defaultName;
    }

    public Class<V> valueType() {
        return valueType;
    }

    public Role role() {
        return role;
    }

    /** What the topic carries, for the configuration reference. */
    public String doc() {
        return doc;
    }

    /** Strings on every topic. */
    public Serde<String> keySerde() {
        return Serdes.String();
    }

    /** Compacted: a table or the output, where only each key's newest value counts. */
    public boolean compacted() {
        return role == Role.TABLE || role == Role.OUTPUT;
    }

    /** A topic of the scenario format: one the collectors write and a replay produces to. */
    public boolean input() {
        return role == Role.EVENTS || role == Role.TABLE;
    }

    /**
     * The key the contract gives a value of this topic.
     *
     * @throws IllegalArgumentException for a value of another type, or on a topic the contract gives no key
     *                                  rule (output, dead letters, clock)
     */
    public String deriveKey(Object value) {
        if (key == null) {
            throw new IllegalArgumentException("the contract gives no key rule for " + id);
        }
        return key.apply(checked(value));
    }

    /** The value's event time; empty for tables and the topics without one. */
    public Optional<Instant> eventTime(Object value) {
        return eventTime == null ? Optional.empty() : Optional.ofNullable(eventTime.apply(checked(value)));
    }

    /** The topic with this name in a scenario file. */
    public static Optional<Topic<?>> inputWithId(String id) {
        return ALL.stream().filter(t -> t.input() && t.id.equals(id)).findFirst();
    }

    /** The ids of the scenario format's topics, for messages ({@code pod-restarts, backup-events, ...}). */
    public static String inputIds() {
        return ALL.stream().filter(Topic::input).map(Topic::id).collect(Collectors.joining(", "));
    }

    public static List<Topic<?>> withRole(Role... roles) {
        final List<Role> wanted = Arrays.asList(roles);
        return ALL.stream().filter(t -> wanted.contains(t.role)).toList();
    }

    /** By position in {@link #ALL}. */
    @Override
    public int compareTo(Topic<?> other) {
        return Integer.compare(ALL.indexOf(this), ALL.indexOf(other));
    }

    @Override
    public String toString() {
        return id;
    }

    private V checked(Object value) {
        if (!valueType.isInstance(value)) {
            throw new IllegalArgumentException(id + " takes " + valueType.getSimpleName() + ", not "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        return valueType.cast(value);
    }

    /** A job's phases share a key so they stay in order on one partition; storage or host when no id is known. */
    private static String backupKey(BackupEvent e) {
        final String id = e.getJobId() != null ? e.getJobId()
                : e.getUpid() != null ? e.getUpid()
                : e.getStorage();
        return id == null ? e.getHost() : e.getHost() + "/" + id;
    }
}
