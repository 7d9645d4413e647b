package io.incidentcorrelator.config;

import io.incidentcorrelator.classify.ClassifierConfig;
import io.incidentcorrelator.config.Setting.Type;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every correlator setting, defined once: {@link ConfigLoader} reads them, {@link ConfigReference}
 * documents them, and {@link #correlatorConfig(Values)} turns their values into what the topology is
 * given. {@link CorrelatorConfig#defaults()} and {@link ClassifierConfig#defaults()} are these
 * definitions' defaults.
 */
public final class CorrelatorSettings {

    private CorrelatorSettings() {
    }

    public static final Setting<Duration> GROUPING_GAP = new Setting<>("grouping-gap", Type.positiveDuration(), "30m",
            "Restarts of one cluster and category closer than this are one incident; an incident is RESOLVED once "
                    + "this much event time passed without a new restart.");
    public static final Setting<Duration> GRACE = new Setting<>("grace", Type.duration(), "2h",
            "The catch-up horizon: how far behind the correlation's event time (the low watermark over every input "
                    + "partition) evidence may arrive and still re-classify the restarts it explains; evidence is kept "
                    + "twice this long behind the newest evidence (a provisional restart may carry evidence up to "
                    + "this far ahead). While history is read (events more than this behind wall clock), the "
                    + "correlation also waits for every kind of event to start. Later samples and backups go to the dead-letter topic with a `late: ...` reason and "
                    + "are counted; a restart is never dropped for being late.");
    public static final Setting<StoreType> STORE_TYPE = new Setting<>("state.store-type", Type.oneOf(StoreType.class),
            "in_memory", "Kind of the correlation's state stores (global tables are always RocksDB).");
    public static final Setting<Duration> PENDING_FLUSH_AFTER = new Setting<>("pending-flush-after", Type.duration(),
            "500ms", "Live mode: classify a restart whose instant event time has not yet passed once it waited this "
                    + "long in wall-clock time (no newer event arrived). `0s`: event time only, as replays do.");
    public static final Setting<Duration> TIMELINE_RETENTION = new Setting<>("timeline.retention",
            Type.positiveDuration(), "7d", "How much event time the web view's timeline (store `timeline-by-cluster`) "
                    + "and its list of incidents (store `incidents-view`) keep. The incidents topic keeps every incident "
                    + "whatever this setting.");
    public static final Setting<Duration> IDLE_AFTER = new Setting<>("idle-after", Type.duration(), "30s",
            "How long an input partition may deliver nothing before it stops holding the correlation's event time "
                    + "back (docs/architecture.md, \"Time\"). `0s`: inputs count as idle at once.");
    public static final Setting<Duration> CATCH_UP_MAX_DRIFT = new Setting<>("catch-up.max-drift", Type.duration(),
            "10m", "While history is read (a backlog after downtime, an upgrade or a reset), how far in event time "
                    + "the routing task of one input partition may read ahead of the slowest before its partitions "
                    + "are paused until the slowest is within half of it: what the correlation holds for the "
                    + "slowest is at most this much event time (docs/architecture.md, \"Catching up\"). `0s`: no "
                    + "limit. Changes when records are read, never the incidents.");
    public static final Setting<Integer> INVENTORY_HOLD_CAPACITY = new Setting<>("inventory.hold-capacity",
            Type.integerAtLeast(1), "50000", "How many events each routing task holds at most until an inventory "
                    + "record places their host or node (about 300 bytes each); beyond it the oldest is given up: "
                    + "counted and dead-lettered.");
    public static final Setting<Duration> BACKUP_COOL_DOWN = new Setting<>("backup.cool-down", Type.duration(), "30m",
            "How long after a backup's last end or abort phase it still counts as a cause (I/O settles).");
    public static final Setting<Duration> BACKUP_MAX_DURATION = new Setting<>("backup.max-duration",
            Type.positiveDuration(), "12h", "A backup job without an end event is assumed over after this long.");
    public static final Setting<Duration> EVIDENCE_LOOKBACK = new Setting<>("evidence.lookback", Type.duration(), "10m",
            "How far before a restart host and etcd samples are considered (a backup counts while it is active, "
                    + "including its cool-down).");
    public static final Setting<Double> ETCD_WAL_FSYNC_P99_MS = new Setting<>("etcd.wal-fsync-p99-ms",
            Type.positiveNumber(), "10.0", "etcd WAL fsync p99 above this (ms) in the look-back window is slow disk.");
    public static final Setting<Integer> ETCD_SLOW_APPLIES = new Setting<>("etcd.slow-applies", Type.integerAtLeast(1),
            "1", "This many slow applies (\"apply request took too long\", over 100 ms) in the look-back window make "
                    + "etcd slow.");
    public static final Setting<Double> ETCD_FRAGMENTED_IN_USE_RATIO = new Setting<>("etcd.fragmented-in-use-ratio",
            Type.ratio(), "0.5", "etcd DB in-use/size ratio below this is fragmentation (adds a defrag action).");
    public static final Setting<Double> HOST_MEMORY_USED_RATIO = new Setting<>("host.memory-used-ratio", Type.ratio(),
            "0.95", "Host memory used/total at or above this is memory pressure.");
    public static final Setting<Double> HOST_BALLOON_RATIO = new Setting<>("host.balloon-ratio", Type.ratio(), "0.9",
            "Guest balloon actual/max below this is balloon reclaim.");
    public static final Setting<Double> HOST_MEMORY_PSI_SOME_AVG10 = new Setting<>("host.memory-psi-some-avg10",
            Type.percent(), "10.0", "Host or guest memory PSI some avg10 (%) at or above this is memory pressure.");
    public static final Setting<Double> HOST_CPU_USAGE = new Setting<>("host.cpu-usage", Type.ratio(), "0.9",
            "Host CPU usage ratio at or above this, sustained, is CPU contention.");
    public static final Setting<Double> HOST_IO_WAIT = new Setting<>("host.io-wait", Type.ratio(), "0.2",
            "Host iowait ratio at or above this, sustained, is CPU/I-O contention.");
    public static final Setting<Duration> HOST_SUSTAINED_FOR = new Setting<>("host.sustained-for", Type.duration(), "2m",
            "How long CPU or iowait must stay high to count (one noisy sample below does not break it).");
    public static final Setting<Duration> BROKER_UNREACHABLE_AFTER = new Setting<>(
            "readiness.broker-unreachable-after", Type.positiveDuration(), "15s", "`correlator run`: `/health/ready` "
                    + "and `incident_correlator_ready` go DOWN (reason `broker_unreachable`) once the Kafka cluster has "
                    + "not answered for this long, and UP again when it answers.");
    public static final Setting<String> TOPIC_PREFIX = new Setting<>("topic-prefix", Type.topicPrefix(), "",
            "Prefix of every topic name below (e.g. a per-environment namespace).");
    /** {@code topic.<id>} for every topic of the registry ({@link Topic#ALL}), in its order. */
    public static final Map<Topic<?>, Setting<String>> TOPIC_NAMES = topicNames();

    /** In the reference's order. */
    public static final List<Setting<?>> ALL = all(List.of(GROUPING_GAP, GRACE, STORE_TYPE, PENDING_FLUSH_AFTER,
            TIMELINE_RETENTION, IDLE_AFTER, CATCH_UP_MAX_DRIFT, INVENTORY_HOLD_CAPACITY, BROKER_UNREACHABLE_AFTER,
            BACKUP_COOL_DOWN, BACKUP_MAX_DURATION, EVIDENCE_LOOKBACK,
            ETCD_WAL_FSYNC_P99_MS, ETCD_SLOW_APPLIES, ETCD_FRAGMENTED_IN_USE_RATIO, HOST_MEMORY_USED_RATIO,
            HOST_BALLOON_RATIO, HOST_MEMORY_PSI_SOME_AVG10, HOST_CPU_USAGE, HOST_IO_WAIT, HOST_SUSTAINED_FOR,
            TOPIC_PREFIX), TOPIC_NAMES.values());

    private static Map<Topic<?>, Setting<String>> topicNames() {
        final Map<Topic<?>, Setting<String>> settings = new LinkedHashMap<>();
        for (Topic<?> topic : Topic.ALL) {
            settings.put(topic, new Setting<>("topic." + topic.id(), Type.topicName(), topic.defaultName(), topic.doc()));
        }
        return Collections.unmodifiableMap(settings);
    }

    private static List<Setting<?>> all(List<Setting<?>> settings, Collection<Setting<String>> topicNames) {
        final List<Setting<?>> all = new ArrayList<>(settings);
        all.addAll(topicNames);
        return List.copyOf(all);
    }

    public static Optional<Setting<?>> named(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** Where values come from: the defaults, or a loaded configuration. */
    public interface Values {
        <T> T get(Setting<T> setting);
    }

    /** Each setting's default. */
    public static final Values DEFAULTS = Setting::defaultParsed;

    public static ClassifierConfig classifierConfig(Values v) {
        return new ClassifierConfig(v.get(BACKUP_COOL_DOWN), v.get(BACKUP_MAX_DURATION), v.get(EVIDENCE_LOOKBACK),
                v.get(ETCD_WAL_FSYNC_P99_MS), v.get(ETCD_SLOW_APPLIES), v.get(ETCD_FRAGMENTED_IN_USE_RATIO),
                v.get(HOST_MEMORY_USED_RATIO), v.get(HOST_BALLOON_RATIO), v.get(HOST_MEMORY_PSI_SOME_AVG10),
                v.get(HOST_CPU_USAGE), v.get(HOST_IO_WAIT), v.get(HOST_SUSTAINED_FOR));
    }

    public static CorrelatorConfig correlatorConfig(Values v) {
        final TopicNames topics = TopicNames.of(t -> v.get(TOPIC_NAMES.get(t))).withPrefix(v.get(TOPIC_PREFIX));
        return new CorrelatorConfig(topics, classifierConfig(v), v.get(GROUPING_GAP), v.get(GRACE), v.get(STORE_TYPE),
                v.get(PENDING_FLUSH_AFTER), v.get(TIMELINE_RETENTION), v.get(IDLE_AFTER),
                v.get(INVENTORY_HOLD_CAPACITY), v.get(CATCH_UP_MAX_DRIFT));
    }
}
