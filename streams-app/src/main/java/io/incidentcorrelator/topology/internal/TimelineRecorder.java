package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.topology.StoreNames;
import io.incidentcorrelator.topology.TimelineBucket;
import io.incidentcorrelator.topology.TimelinePoint;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;

import java.util.Locale;

/**
 * Keeps what the web view's timeline chart draws, per cluster and minute, in
 * {@link StoreNames#TIMELINE}: backup phases, etcd WAL fsync p99, host memory %, guest balloon %
 * and restarts. It sits beside the classifier on the events-by-cluster stream and forwards nothing.
 */
public final class TimelineRecorder implements Processor<String, CorrelationEvent, Void, Void> {

    private WindowStore<String, TimelineBucket> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(StoreNames.TIMELINE);
    }

    @Override
    public void process(Record<String, CorrelationEvent> record) {
        if (record.key() == null || record.key().equals(EventRouter.BROADCAST_KEY) || record.value() == null) {
            return;
        }
        final TimelinePoint point = pointOf(record.value().getPayload(), record.timestamp());
        if (point == null) {
            return;
        }
        final long minute = TimelinePoint.bucketStart(record.timestamp());
        // The store is buffered until commit: the bucket it hands back is the one last put, decoded.
        final TimelineBucket stored = store.fetch(record.key(), minute);
        final TimelineBucket bucket = stored != null ? stored : TimelineBucket.empty();
        if (bucket.add(point)) {
            store.put(record.key(), bucket, minute);
        }
    }

    static TimelinePoint pointOf(Object payload, long time) {
        if (payload instanceof EtcdLatencySample s) {
            return new TimelinePoint(TimelinePoint.ETCD, s.getMember(), time, s.getWalFsyncP99Ms(), "");
        }
        if (payload instanceof MemorySample m) {
            if (m.getVmid() == null) {
                return m.getMemTotalBytes() <= 0 ? null : new TimelinePoint(TimelinePoint.HOST_MEMORY, m.getHost(), time,
                        100.0 * m.getMemUsedBytes() / m.getMemTotalBytes(), "");
            }
            final Long actual = m.getBalloonActualBytes();
            final Long max = m.getBalloonMaxBytes() != null ? m.getBalloonMaxBytes() : m.getMemTotalBytes();
            return actual == null || max == null || max <= 0 ? null : new TimelinePoint(TimelinePoint.BALLOON,
                    m.getHost() + "/" + m.getVmid(), time, 100.0 * actual / max,
                    m.getVmName() == null ? "" : m.getVmName());
        }
        if (payload instanceof BackupEvent b) {
            final String job = b.getJobId() != null ? b.getJobId() : b.getUpid() != null ? b.getUpid() : "backup";
            final String series = b.getHost() + "|" + job + "|" + (b.getVmid() == null ? "" : b.getVmid())
                    + "|" + (b.getTargetHost() == null ? "" : b.getTargetHost());
            return new TimelinePoint(TimelinePoint.BACKUP, series, time, Double.NaN,
                    b.getPhase().name().toLowerCase(Locale.ROOT));
        }
        if (payload instanceof PodRestart r) {
            final String reason = r.getTerminatedReason() != null ? r.getTerminatedReason()
                    : r.getWaitingReason() != null ? r.getWaitingReason() : "";
            return new TimelinePoint(TimelinePoint.RESTART, r.getNamespace() + "/" + r.getPod(), time, Double.NaN,
                    reason);
        }
        return null;
    }
}
