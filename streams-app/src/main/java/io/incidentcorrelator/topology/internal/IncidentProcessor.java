package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.ClassifiedRestart;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.classify.BackupWindows;
import io.incidentcorrelator.classify.Classification;
import io.incidentcorrelator.classify.Classifier;
import io.incidentcorrelator.classify.EtcdPressure;
import io.incidentcorrelator.classify.HostPressure;
import io.incidentcorrelator.classify.Placement;
import io.incidentcorrelator.classify.RestartContext;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.incident.IncidentGrouper;
import io.incidentcorrelator.incident.IncidentLifecycle;
import io.incidentcorrelator.metrics.CorrelatorMetrics;
import io.incidentcorrelator.serde.AvroRecords;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The thin processor around the plain-Java classifier and grouper, one instance per task
 * (a set of clusters). It keeps the evidence of the look-back window, classifies each restart
 * once event time has passed it (so evidence stamped the same instant is in), re-classifies
 * recent restarts when late evidence arrives within the grace, and emits incident revisions
 * as soon as anything about an incident changes.
 */
public final class IncidentProcessor implements Processor<String, CorrelationEvent, String, Incident> {

    private static final Logger LOG = LoggerFactory.getLogger(IncidentProcessor.class);
    private static final String SEP = "|";
    private static final Duration HOUSEKEEPING_EVERY = Duration.ofMinutes(1);

    private final CorrelatorConfig config;
    private final EvidenceBucketSerde<MemorySample> sampleBuckets;
    private final EvidenceBucketSerde<EtcdLatencySample> etcdBuckets;
    private final Classifier classifier;
    private final IncidentGrouper grouper;
    private final IncidentLifecycle lifecycle;

    private ProcessorContext<String, Incident> context;
    private CorrelatorMetrics metrics;
    private WindowStore<String, BackupEvent> backups;
    private WindowStore<String, EvidenceBucket<MemorySample>> samples;
    private WindowStore<String, EvidenceBucket<EtcdLatencySample>> etcd;
    private KeyValueStore<String, ClassifiedRestart> restarts;
    private KeyValueStore<String, Incident> incidents;
    private KeyValueStore<String, ValueAndTimestamp<NodePlacement>> inventory;
    private CorrelationClock clock;

    /** Restarts waiting for event time to pass them: store key → wall-clock millis they arrived. */
    private final NavigableMap<String, Long> pending = new TreeMap<>();
    private long eventTime = Long.MIN_VALUE;
    private long nextHousekeeping = Long.MIN_VALUE;
    private long lateRecords;
    /** The newest restart classified: evidence up to it may change a classification. */
    private long classifiedUpTo = Long.MIN_VALUE;

    public IncidentProcessor(CorrelatorConfig config, EvidenceBucketSerde<MemorySample> sampleBuckets,
                             EvidenceBucketSerde<EtcdLatencySample> etcdBuckets) {
        this.config = config;
        this.sampleBuckets = sampleBuckets;
        this.etcdBuckets = etcdBuckets;
        this.classifier = new Classifier(config.classifier());
        this.grouper = new IncidentGrouper(config.groupingGap());
        this.lifecycle = new IncidentLifecycle(config.groupingGap());
    }

    @Override
    public void init(ProcessorContext<String, Incident> context) {
        this.context = context;
        this.metrics = CorrelatorMetrics.from(context.appConfigs());
        this.backups = context.getStateStore(StoreNames.BACKUP_EVENTS);
        this.samples = context.getStateStore(StoreNames.HOST_SAMPLES);
        this.etcd = context.getStateStore(StoreNames.ETCD_SAMPLES);
        this.restarts = context.getStateStore(StoreNames.RESTARTS);
        this.incidents = context.getStateStore(StoreNames.INCIDENTS);
        this.inventory = context.getStateStore(StoreNames.INVENTORY);

        this.clock = CorrelationClock.of(context);

        // The pending queue is the unclassified restarts of the store; how long each waited in wall
        // clock only decides when a provisional revision appears, so it starts again here.
        final long now = context.currentSystemTimeMs();
        try (KeyValueIterator<String, ClassifiedRestart> it = restarts.all()) {
            while (it.hasNext()) {
                final KeyValue<String, ClassifiedRestart> kv = it.next();
                if (!kv.value.getClassified()) {
                    pending.put(kv.key, now);
                }
            }
        }
        // After a crash or a move to another instance: the event time the late gate had let through
        // (not the task's stream time, which counts events the aligner still holds), so the task
        // classifies, re-classifies and resolves at the same records as one that never stopped.
        classifiedUpTo = clock.get(CorrelationClock.CLASSIFIED_UP_TO);
        eventTime = clock.get(CorrelationClock.EVENT_TIME);
        if (eventTime != Long.MIN_VALUE) {
            // Continue the housekeeping grid where an uninterrupted run would be.
            nextHousekeeping = nextHousekeepingAfter(eventTime);
        }
        if (!config.pendingFlushAfter().isZero()) {
            context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::flushStalePending);
        }
    }

    @Override
    public void process(Record<String, CorrelationEvent> record) {
        final long ts = record.timestamp();
        final long before = eventTime;
        final boolean provisional = record.headers().lastHeader(EventAligner.HEADER_PROVISIONAL) != null;
        if (!provisional) { // a restart passed on ahead of the watermark does not move event time
            eventTime = Math.max(eventTime, ts);
        }
        // Evidence may change restarts already classified: those behind event time, and those a
        // wall-clock flush classified ahead of it (provisional revisions).
        final boolean late = ts <= classifiedUpTo || (before != Long.MIN_VALUE && ts < before);
        final boolean beyondHorizon = before != Long.MIN_VALUE && ts < before - config.grace().toMillis();
        final Object payload = record.value().getPayload();
        // The late-gate upstream already sends such evidence to the dead-letter topic; this is a
        // backstop. A restart is never dropped for being late: it is classified against the
        // evidence still stored for its time.
        if (beyondHorizon && !(payload instanceof PodRestart)
                && !(payload instanceof io.incidentcorrelator.avro.internal.ClockTick)) {
            reportLate(payload, ts, before);
            return;
        }

        final Set<String> affected = new TreeSet<>();
        final String cluster = record.key();
        if (payload instanceof PodRestart r) {
            acceptRestart(r);
            if (provisional) {
                // Held behind a slow input for pending-flush-after: classify against what is here.
                final String key = restartKey(r);
                if (pending.remove(key) != null && classifyAndStore(key)) {
                    affected.add(cluster);
                }
            }
        } else if (payload instanceof BackupEvent b) {
            // A backup routed to two clusters of this task arrives twice: store it once per host.
            putOnce(b.getHost(), b, ts);
            if (b.getTargetHost() != null && !b.getTargetHost().equals(b.getHost())) {
                putOnce(b.getTargetHost(), b, ts);
            }
            if (late) {
                affected.addAll(reevaluate(cluster, ts, ts + backupSpan().toMillis()));
            }
        } else if (payload instanceof MemorySample m) {
            addToBucket(samples, sampleBuckets, sampleKey(m.getHost(), m.getVmid()), m, ts);
            if (late) {
                affected.addAll(reevaluate(cluster, ts, ts + lookback().toMillis()));
            }
        } else if (payload instanceof EtcdLatencySample s) {
            addToBucket(etcd, etcdBuckets, s.getCluster(), s, ts);
            if (late) {
                affected.addAll(reevaluate(cluster, ts, ts + lookback().toMillis()));
            }
        }
        affected.addAll(classifyPendingBefore(eventTime));
        affected.forEach(this::regroup);
        // Resolution and purging follow event time; checked inline rather than by a stream-time
        // punctuator so that exactly the same records trigger it in every run.
        if (eventTime >= nextHousekeeping) {
            onEventTimeAdvanced();
            nextHousekeeping = nextHousekeepingAfter(eventTime);
        }
        if (payload instanceof io.incidentcorrelator.avro.internal.ClockTick) {
            // A replay's closing tick: what it completed is read as soon as it is committed, so do
            // not wait for the commit interval (a second in replays).
            context.commit();
        }
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

    // --- restarts -------------------------------------------------------------------------

    private void acceptRestart(PodRestart r) {
        final String key = restartKey(r);
        if (restarts.get(key) != null) {
            return; // the same restart delivered again (collector restart, replay overlap)
        }
        final Placement placement = placement(r);
        restarts.put(key, ClassifiedRestart.newBuilder()
                .setRestart(r)
                .setHost(placement == null ? null : placement.host())
                .build());
        pending.put(key, context.currentSystemTimeMs());
    }

    /** Classifies every pending restart strictly before {@code time}; returns the clusters touched. */
    private Set<String> classifyPendingBefore(long time) {
        final Set<String> touched = new TreeSet<>();
        final Iterator<Map.Entry<String, Long>> it = pending.entrySet().iterator();
        while (it.hasNext()) {
            final String key = it.next().getKey();
            if (timeOf(key) < time) {
                classifyAndStore(key);
                touched.add(clusterOf(key));
                it.remove();
            }
        }
        return touched;
    }

    private void flushStalePending(long wallClock) {
        final long cutoff = wallClock - config.pendingFlushAfter().toMillis();
        final Set<String> touched = new TreeSet<>();
        final Iterator<Map.Entry<String, Long>> it = pending.entrySet().iterator();
        while (it.hasNext()) {
            final Map.Entry<String, Long> e = it.next();
            if (e.getValue() <= cutoff) {
                classifyAndStore(e.getKey());
                touched.add(clusterOf(e.getKey()));
                it.remove();
            }
        }
        touched.forEach(this::regroup);
    }

    private boolean classifyAndStore(String key) {
        final ClassifiedRestart current = restarts.get(key);
        if (current == null) {
            return false;
        }
        if (timeOf(key) > classifiedUpTo) {
            classifiedUpTo = timeOf(key);
            clock.put(CorrelationClock.CLASSIFIED_UP_TO, classifiedUpTo);
        }
        final ClassifiedRestart next = classify(current);
        if (AvroRecords.sameValue(next, current)) {
            return false;
        }
        restarts.put(key, next);
        return true;
    }

    /** Re-classifies classified restarts of {@code cluster} in [from, to] after late evidence. */
    private Set<String> reevaluate(String cluster, long from, long to) {
        final List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, ClassifiedRestart> it =
                     restarts.range(cluster + SEP + pad(from), cluster + SEP + pad(to) + SEP + '\uffff')) {
            while (it.hasNext()) {
                final KeyValue<String, ClassifiedRestart> kv = it.next();
                if (kv.value.getClassified()) {
                    keys.add(kv.key);
                }
            }
        }
        boolean changed = false;
        for (String key : keys) {
            changed |= classifyAndStore(key);
        }
        return changed ? Set.of(cluster) : Set.of();
    }

    private ClassifiedRestart classify(ClassifiedRestart cr) {
        final PodRestart r = cr.getRestart();
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

        final RestartContext ctx = new RestartContext(r, placement, BackupWindows.runs(backupEvents),
                host == null ? HostPressure.NONE
                        : HostPressure.summarize(host, hostSamples, guestSamples, config.classifier()),
                EtcdPressure.summarize(etcdSamples));
        final Classification c = classifier.classify(ctx);
        return ClassifiedRestart.newBuilder(cr)
                .setHost(host)
                .setClassified(true)
                .setCategory(c.category())
                .setTransient$(c.transientIssue())
                .setConfidence(c.confidence())
                .setContributingFactors(c.contributingFactors())
                .setEvidence(c.evidence())
                .setNotes(new ArrayList<>(c.notes()))
                .build();
    }

    // --- incidents ------------------------------------------------------------------------

    private void regroup(String cluster) {
        final List<ClassifiedRestart> clusterRestarts = new ArrayList<>();
        try (KeyValueIterator<String, ClassifiedRestart> it = restarts.prefixScan(cluster + SEP,
                new org.apache.kafka.common.serialization.StringSerializer())) {
            while (it.hasNext()) {
                clusterRestarts.add(it.next().value);
            }
        }
        final Map<String, Incident> emitted = new HashMap<>();
        try (KeyValueIterator<String, Incident> it = incidents.prefixScan(cluster + SEP,
                new org.apache.kafka.common.serialization.StringSerializer())) {
            while (it.hasNext()) {
                final Incident incident = it.next().value;
                emitted.put(incident.getId(), incident);
            }
        }
        final Instant now = Instant.ofEpochMilli(eventTime);
        for (Incident draft : grouper.group(cluster, clusterRestarts)) {
            final Incident previous = emitted.remove(draft.getId());
            for (Incident revision : lifecycle.next(previous, draft, now)) {
                emit(cluster, revision);
            }
        }
        // What is left was emitted before but no longer exists: its restarts were re-classified
        // into other incidents after late evidence. A tombstone removes it from the compacted topic.
        for (Incident gone : emitted.values()) {
            incidents.delete(cluster + SEP + gone.getId());
            context.forward(new Record<>(gone.getId(), null, outputTime()));
        }
    }

    private void onEventTimeAdvanced() {
        final Set<String> touched = classifyPendingBefore(eventTime);
        touched.forEach(this::regroup);
        final Instant now = Instant.ofEpochMilli(eventTime);
        final long purgeBefore = eventTime - config.incidentRetention().toMillis();
        final List<KeyValue<String, Incident>> all = new ArrayList<>();
        try (KeyValueIterator<String, Incident> it = incidents.all()) {
            while (it.hasNext()) {
                all.add(it.next());
            }
        }
        for (KeyValue<String, Incident> kv : all) {
            final Incident incident = kv.value;
            final Incident resolved = lifecycle.resolveIfQuiet(incident, now);
            if (resolved != null) {
                emit(incident.getCluster(), resolved);
            } else if (incident.getStatus() == IncidentStatus.RESOLVED
                    && incident.getWindowEnd().toEpochMilli() < purgeBefore) {
                purge(incident);
            }
        }
    }

    /** Forgets a resolved incident that no late record can change any more, and its restarts. */
    private void purge(Incident incident) {
        final String cluster = incident.getCluster();
        final List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, ClassifiedRestart> it = restarts.range(
                cluster + SEP + pad(incident.getWindowStart().toEpochMilli()),
                cluster + SEP + pad(incident.getWindowEnd().toEpochMilli()) + SEP + '\uffff')) {
            while (it.hasNext()) {
                final KeyValue<String, ClassifiedRestart> kv = it.next();
                if (kv.value.getClassified() && kv.value.getCategory() == incident.getCategory()) {
                    keys.add(kv.key);
                }
            }
        }
        keys.forEach(restarts::delete);
        incidents.delete(cluster + SEP + incident.getId());
    }

    private void emit(String cluster, Incident revision) {
        incidents.put(cluster + SEP + revision.getId(), revision);
        context.forward(new Record<>(revision.getId(), revision, outputTime()));
        metrics.incidentEmitted(revision.getCategory(), revision.getStatus());
    }

    private long outputTime() {
        return Math.max(eventTime, 0);
    }

    private void reportLate(Object payload, long ts, long streamTime) {
        lateRecords++;
        if (lateRecords == 1 || lateRecords % 1000 == 0) {
            LOG.warn("Dropped a {} stamped {}: more than the grace {} behind event time {} ({} late records so far)",
                    payload.getClass().getSimpleName(), Instant.ofEpochMilli(ts), config.grace(),
                    Instant.ofEpochMilli(streamTime), lateRecords);
        }
    }

    // --- helpers --------------------------------------------------------------------------

    /**
     * Housekeeping runs on a fixed event-time grid rather than a minute after the last run, so
     * that when it runs depends only on the records, not on where the task was (re)started:
     * a task restored after a crash resolves and purges at the same records as one that never
     * stopped, and so emits the same revisions.
     */
    static long nextHousekeepingAfter(long time) {
        final long every = HOUSEKEEPING_EVERY.toMillis();
        return Math.floorDiv(time, every) * every + every;
    }

    private Placement placement(PodRestart r) {
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

    private Duration lookback() {
        return config.classifier().evidenceLookback();
    }

    private Duration backupSpan() {
        return config.classifier().maxBackupDuration().plus(config.classifier().backupCoolDown());
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
     * the bucket object it was given ({@link CommitBufferedWindowStore}), so consecutive samples of a
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

    static String restartKey(PodRestart r) {
        return r.getCluster() + SEP + pad(r.getFinishedAt().toEpochMilli()) + SEP + r.getNamespace() + "/"
                + r.getPod() + "/" + r.getContainer() + SEP + String.format("%010d", r.getRestartCount());
    }

    private static String pad(long millis) {
        return String.format("%015d", Math.max(0, millis));
    }

    private static long timeOf(String restartKey) {
        final int a = restartKey.indexOf(SEP);
        return Long.parseLong(restartKey.substring(a + 1, restartKey.indexOf(SEP, a + 1)));
    }

    private static String clusterOf(String restartKey) {
        return restartKey.substring(0, restartKey.indexOf(SEP));
    }
}
