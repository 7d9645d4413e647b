package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.classify.BackupWindows;
import io.incidentcorrelator.classify.ClassifierConfig;
import io.incidentcorrelator.classify.EtcdPressure;
import io.incidentcorrelator.classify.HostPressure;
import io.incidentcorrelator.classify.Placement;
import io.incidentcorrelator.classify.RestartContext;
import io.incidentcorrelator.serde.AvroRecords;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The evidence of the look-back window, in the task's window stores: what is stored as it arrives
 * (backups by host, samples by series and minute, etcd samples by cluster) and what a restart is
 * classified against ({@link #contextFor}): where its node runs and the evidence of its time.
 */
final class EvidenceLookup {

    private final ClassifierConfig config;
    private final EvidenceBucketSerde<MemorySample> sampleBuckets;
    private final EvidenceBucketSerde<EtcdLatencySample> etcdBuckets;
    private final WindowStore<String, BackupEvent> backups;
    private final WindowStore<String, EvidenceBucket<MemorySample>> samples;
    private final WindowStore<String, EvidenceBucket<EtcdLatencySample>> etcd;
    private final KeyValueStore<String, ValueAndTimestamp<NodePlacement>> inventory;

    EvidenceLookup(ProcessorContext<?, ?> context, ClassifierConfig config,
                   EvidenceBucketSerde<MemorySample> sampleBuckets, EvidenceBucketSerde<EtcdLatencySample> etcdBuckets) {
        this.config = config;
        this.sampleBuckets = sampleBuckets;
        this.etcdBuckets = etcdBuckets;
        this.backups = context.getStateStore(StoreNames.BACKUP_EVENTS);
        this.samples = context.getStateStore(StoreNames.HOST_SAMPLES);
        this.etcd = context.getStateStore(StoreNames.ETCD_SAMPLES);
        this.inventory = context.getStateStore(StoreNames.INVENTORY);
    }

    /** How far after a backup event a restart can be explained by it. */
    Duration backupSpan() {
        return config.maxBackupDuration().plus(config.backupCoolDown());
    }

    /** How far after a sample a restart can be explained by it. */
    Duration lookback() {
        return config.evidenceLookback();
    }

    /** Stored once per host it touches: a backup routed to two clusters of this task arrives twice. */
    void add(BackupEvent b, long ts) {
        putOnce(b.getHost(), b, ts);
        if (b.getTargetHost() != null && !b.getTargetHost().equals(b.getHost())) {
            putOnce(b.getTargetHost(), b, ts);
        }
    }

    void add(MemorySample m, long ts) {
        addToBucket(samples, sampleBuckets, sampleKey(m.getHost(), m.getVmid()), m, ts);
    }

    void add(EtcdLatencySample s, long ts) {
        addToBucket(etcd, etcdBuckets, s.getCluster(), s, ts);
    }

    /** The restart with where its node runs and the evidence of the look-back window before it. */
    RestartContext contextFor(PodRestart r) {
        final long t = r.getFinishedAt().toEpochMilli();
        final Placement placement = placement(r);
        final String host = placement == null ? null : placement.host();
        final List<BackupEvent> backupEvents = new ArrayList<>();
        final List<MemorySample> hostSamples = new ArrayList<>();
        final List<MemorySample> guestSamples = new ArrayList<>();
        if (host != null) {
            fetch(backups, host, t - backupSpan().toMillis(), t, backupEvents);
            fetchBuckets(samples, host, t - lookback().toMillis(), t, MemorySample::getTime, hostSamples);
            if (placement.vmid() != null) {
                fetchBuckets(samples, sampleKey(host, placement.vmid()), t - lookback().toMillis(), t,
                        MemorySample::getTime, guestSamples);
            }
        }
        final List<EtcdLatencySample> etcdSamples = new ArrayList<>();
        fetchBuckets(etcd, r.getCluster(), t - lookback().toMillis(), t, EtcdLatencySample::getTime, etcdSamples);
        return new RestartContext(r, placement, BackupWindows.runs(backupEvents),
                host == null ? HostPressure.NONE : HostPressure.summarize(host, hostSamples, guestSamples, config),
                EtcdPressure.summarize(etcdSamples));
    }

    /** Where the restart's node runs, from the inventory; null when the inventory does not place it. */
    Placement placement(PodRestart r) {
        if (r.getNode() == null) {
            return null;
        }
        final ValueAndTimestamp<NodePlacement> vt = inventory.get(r.getCluster() + "/" + r.getNode());
        if (vt == null || vt.value() == null) {
            return null;
        }
        final NodePlacement p = vt.value();
        return new Placement(p.getCluster(), p.getNode(), p.getHost(), p.getVmid(), p.getRole());
    }

    private void putOnce(String host, BackupEvent b, long ts) {
        try (WindowStoreIterator<BackupEvent> it = backups.fetch(host, ts, ts)) {
            while (it.hasNext()) {
                if (AvroRecords.sameValue(it.next().value, b)) {
                    return;
                }
            }
        }
        backups.put(host, b, ts);
    }

    private static <V> void fetch(WindowStore<String, V> store, String key, long from, long to, List<V> into) {
        try (WindowStoreIterator<V> it = store.fetch(key, Math.max(0, from), to)) {
            while (it.hasNext()) {
                into.add(it.next().value);
            }
        }
    }

    /**
     * Adds a sample to its series' bucket of the minute. Between two commits the store hands back
     * the bucket object it was given ({@link io.incidentcorrelator.kafkainternal.CommitBufferedWindowStore}), so consecutive samples of a
     * series cost no decoding; the store is written only when the sample is new to the bucket.
     */
    private static <T extends SpecificRecord> void addToBucket(WindowStore<String, EvidenceBucket<T>> store,
                                                               EvidenceBucketSerde<T> serde, String key, T sample,
                                                               long time) {
        final long start = EvidenceBucket.startOf(time);
        final EvidenceBucket<T> stored = store.fetch(key, start);
        final EvidenceBucket<T> bucket = stored != null ? stored : serde.empty();
        if (bucket.add(sample)) {
            store.put(key, bucket, start);
        }
    }

    /** The samples of {@code key} stamped in [from, to], from the buckets that can hold them. */
    private static <T extends SpecificRecord> void fetchBuckets(WindowStore<String, EvidenceBucket<T>> store,
                                                                String key, long from, long to,
                                                                Function<T, Instant> time, List<T> into) {
        final long earliest = Math.max(0, from);
        try (WindowStoreIterator<EvidenceBucket<T>> it = store.fetch(key, EvidenceBucket.startOf(earliest), to)) {
            while (it.hasNext()) {
                for (T sample : it.next().value.samples()) {
                    final long t = time.apply(sample).toEpochMilli();
                    if (t >= earliest && t <= to) {
                        into.add(sample);
                    }
                }
            }
        }
    }

    static String sampleKey(String host, Integer vmid) {
        return vmid == null ? host : host + "/" + vmid;
    }
}
