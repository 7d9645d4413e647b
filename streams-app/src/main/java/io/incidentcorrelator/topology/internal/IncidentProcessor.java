package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.ClassifiedRestart;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.classify.Classification;
import io.incidentcorrelator.classify.Classifier;
import io.incidentcorrelator.classify.Placement;
import io.incidentcorrelator.classify.RestartContext;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.incident.IncidentGrouper;
import io.incidentcorrelator.incident.IncidentLifecycle;
import io.incidentcorrelator.metrics.CorrelatorMetrics;
import io.incidentcorrelator.serde.AvroRecords;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The thin processor around the plain-Java classifier and grouper, one instance per task
 * (a set of clusters). It stores the evidence of the look-back window ({@link EvidenceLookup}),
 * classifies each restart once event time has passed it (so evidence stamped the same instant is
 * in; until then it is in {@link PendingRestarts}), re-classifies recent restarts when late
 * evidence arrives within the catch-up horizon, and emits incident revisions as soon as anything
 * about an incident changes. Every fact it decides by is in a changelogged store and read back on
 * init ({@link CorrelationClock}, docs/architecture.md "Time").
 */
public final class IncidentProcessor implements Processor<String, CorrelationEvent, String, Incident> {

    private static final Logger LOG = LoggerFactory.getLogger(IncidentProcessor.class);
    private static final String SEP = "|";
    private static final Duration HOUSEKEEPING_EVERY = Duration.ofMinutes(1);

    private final CorrelatorConfig config;
    private CommitWhenLive commitWhenLive;
    private final EvidenceBucketSerde<MemorySample> sampleBuckets;
    private final EvidenceBucketSerde<EtcdLatencySample> etcdBuckets;
    private final Classifier classifier;
    private final IncidentGrouper grouper;
    private final IncidentLifecycle lifecycle;

    private ProcessorContext<String, Incident> context;
    private CorrelatorMetrics metrics;
    private EvidenceLookup evidence;
    private KeyValueStore<String, ClassifiedRestart> restarts;
    private KeyValueStore<String, Incident> incidents;
    private CorrelationClock clock;
    private PendingRestarts pending;
    /** Runs {@link #flushStalePending} every second while restarts pend (live mode). */
    private PunctuationWhileWaiting flush;
    private long eventTime = Long.MIN_VALUE;
    private long writtenAt = Long.MIN_VALUE;
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
        this.commitWhenLive = new CommitWhenLive(context, config.grace());
        this.metrics = CorrelatorMetrics.from(context.appConfigs());
        this.evidence = new EvidenceLookup(context, config.classifier(), sampleBuckets, etcdBuckets);
        this.restarts = context.getStateStore(StoreNames.RESTARTS);
        this.incidents = context.getStateStore(StoreNames.INCIDENTS);
        this.clock = CorrelationClock.of(context);
        // How long each restart waited in wall clock only decides when a provisional revision
        // appears, so that starts again here.
        this.pending = PendingRestarts.restore(restarts, context.currentSystemTimeMs());
        // After a crash or a move to another instance: the event time the late gate had let through
        // (not the task's stream time, which counts events the aligner still holds), so the task
        // classifies, re-classifies and resolves at the same records as one that never stopped.
        classifiedUpTo = clock.get(CorrelationClock.CLASSIFIED_UP_TO);
        eventTime = clock.get(CorrelationClock.EVENT_TIME);
        writtenAt = clock.get(CorrelationClock.WRITTEN_AT);
        if (eventTime != Long.MIN_VALUE) {
            // Continue the housekeeping grid where an uninterrupted run would be.
            nextHousekeeping = nextHousekeepingAfter(eventTime);
        }
        if (!config.pendingFlushAfter().isZero()) {
            flush = new PunctuationWhileWaiting(context, Duration.ofSeconds(1), this::flushStalePending);
            flushWhileRestartsPend();
        }
    }

    private void flushWhileRestartsPend() {
        if (flush != null) {
            flush.waiting(!pending.isEmpty());
        }
    }

    @Override
    public void process(Record<String, CorrelationEvent> record) {
        final long ts = record.timestamp();
        final long before = eventTime;
        final boolean provisional = record.headers().lastHeader(EventAligner.HEADER_PROVISIONAL) != null;
        if (!provisional) { // what is passed on ahead of the watermark does not move event time
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
                && !(payload instanceof ClockTick)) {
            reportLate(payload, ts, before);
            return;
        }

        final Set<String> affected = new TreeSet<>();
        final String cluster = record.key();
        if (payload instanceof PodRestart r) {
            acceptRestart(r);
            if (provisional) {
                // Held behind a slow input for pending-flush-after: classify against what is here.
                final RestartKey key = RestartKey.of(r);
                if (pending.remove(key) && classifyAndStore(key)) {
                    affected.add(cluster);
                }
            }
        } else if (payload instanceof BackupEvent b) {
            evidence.add(b, ts);
            if (late) {
                affected.addAll(reevaluate(cluster, ts, ts + evidence.backupSpan().toMillis()));
            }
        } else if (payload instanceof MemorySample m) {
            evidence.add(m, ts);
            if (late) {
                affected.addAll(reevaluate(cluster, ts, ts + evidence.lookback().toMillis()));
            }
        } else if (payload instanceof EtcdLatencySample s) {
            evidence.add(s, ts);
            if (late) {
                affected.addAll(reevaluate(cluster, ts, ts + evidence.lookback().toMillis()));
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
        flushWhileRestartsPend();
        if (payload instanceof ClockTick) {
            // A replay's closing tick: what it completed is read as soon as it is committed, so do
            // not wait for the commit interval (a second in replays).
            context.commit();
        }
    }

    // --- restarts -------------------------------------------------------------------------

    private void acceptRestart(PodRestart r) {
        final RestartKey key = RestartKey.of(r);
        if (restarts.get(key.toString()) != null) {
            return; // the same restart delivered again (collector restart, replay overlap)
        }
        final Placement placement = evidence.placement(r);
        restarts.put(key.toString(), ClassifiedRestart.newBuilder()
                .setRestart(r)
                .setHost(placement == null ? null : placement.host())
                .build());
        pending.add(key, context.currentSystemTimeMs());
    }

    /** Classifies every pending restart strictly before {@code time}; returns the clusters touched. */
    private Set<String> classifyPendingBefore(long time) {
        return classifyAll(pending.takeBefore(time));
    }

    private void flushStalePending(long wallClock) {
        classifyAll(pending.takeArrivedBy(wallClock - config.pendingFlushAfter().toMillis())).forEach(this::regroup);
        flushWhileRestartsPend();
    }

    private Set<String> classifyAll(List<RestartKey> keys) {
        final Set<String> touched = new TreeSet<>();
        for (RestartKey key : keys) {
            classifyAndStore(key);
            touched.add(key.cluster());
        }
        return touched;
    }

    private boolean classifyAndStore(RestartKey key) {
        final ClassifiedRestart current = restarts.get(key.toString());
        if (current == null) {
            return false;
        }
        if (key.time() > classifiedUpTo) {
            classifiedUpTo = key.time();
            clock.put(CorrelationClock.CLASSIFIED_UP_TO, classifiedUpTo);
        }
        final ClassifiedRestart next = classify(current);
        if (AvroRecords.sameValue(next, current)) {
            return false;
        }
        restarts.put(key.toString(), next);
        return true;
    }

    /** Re-classifies classified restarts of {@code cluster} in [from, to] after late evidence. */
    private Set<String> reevaluate(String cluster, long from, long to) {
        final List<RestartKey> keys = new ArrayList<>();
        try (KeyValueIterator<String, ClassifiedRestart> it =
                     restarts.range(RestartKey.from(cluster, from), RestartKey.through(cluster, to))) {
            while (it.hasNext()) {
                final KeyValue<String, ClassifiedRestart> kv = it.next();
                if (kv.value.getClassified()) {
                    keys.add(RestartKey.parse(kv.key));
                }
            }
        }
        boolean changed = false;
        for (RestartKey key : keys) {
            changed |= classifyAndStore(key);
        }
        return changed ? Set.of(cluster) : Set.of();
    }

    private ClassifiedRestart classify(ClassifiedRestart cr) {
        final RestartContext ctx = evidence.contextFor(cr.getRestart());
        final String host = ctx.placement() == null ? null : ctx.placement().host();
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
        try (KeyValueIterator<String, ClassifiedRestart> it = restarts.prefixScan(RestartKey.prefix(cluster),
                new StringSerializer())) {
            while (it.hasNext()) {
                clusterRestarts.add(it.next().value);
            }
        }
        final Map<String, Incident> emitted = new HashMap<>();
        try (KeyValueIterator<String, Incident> it = incidents.prefixScan(cluster + SEP,
                new StringSerializer())) {
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
            incidents.delete(incidentKey(cluster, gone.getId()));
            context.forward(new Record<>(gone.getId(), null, outputTime(eventTime)));
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
                RestartKey.from(cluster, incident.getWindowStart().toEpochMilli()),
                RestartKey.through(cluster, incident.getWindowEnd().toEpochMilli()))) {
            while (it.hasNext()) {
                final KeyValue<String, ClassifiedRestart> kv = it.next();
                if (kv.value.getClassified() && kv.value.getCategory() == incident.getCategory()) {
                    keys.add(kv.key);
                }
            }
        }
        keys.forEach(restarts::delete);
        incidents.delete(incidentKey(cluster, incident.getId()));
    }

    private void emit(String cluster, Incident revision) {
        incidents.put(incidentKey(cluster, revision.getId()), revision);
        context.forward(new Record<>(revision.getId(), revision,
                outputTime(Math.max(eventTime, revision.getWindowEnd().toEpochMilli()))));
        metrics.incidentEmitted(revision.getCategory(), revision.getStatus());
        commitWhenLive.after(revision.getWindowEnd().toEpochMilli());
    }

    /**
     * The record timestamp of the next revision or tombstone: the newest event time it knows of,
     * and never earlier than the one written before it, so readers that order by timestamp (the
     * {@code incidents tail} backlog) keep each incident's revisions in order. A revision written
     * before the watermark moved (provisionally, at a start) knows only its restarts' time; stamped
     * 1970 instead, it made the broker roll the compacted topic's segment at the next revision
     * (a segment's span is counted from its first timestamp), and compaction then removed it.
     */
    private long outputTime(long knownEventTime) {
        final long time = Math.max(Math.max(knownEventTime, writtenAt), 0);
        if (time != writtenAt) {
            writtenAt = time;
            clock.put(CorrelationClock.WRITTEN_AT, time);
        }
        return time;
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

    /** The key of an incident's last revision in {@code incident-revisions}: a cluster's incidents are a prefix. */
    private static String incidentKey(String cluster, String id) {
        return cluster + SEP + id;
    }
}
