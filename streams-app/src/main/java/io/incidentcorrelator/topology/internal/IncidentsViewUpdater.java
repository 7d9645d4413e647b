package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps {@link StoreNames#INCIDENTS_VIEW} as a reader of the compacted incidents topic sees it:
 * the newest revision per id, a tombstone deletes. It sits in the classifier's task, so the view is
 * partitioned by cluster like everything else (no repartition topic).
 *
 * <p>The view is the web view's, so it keeps what the web view's timeline keeps: an incident whose
 * window ended more than {@code retention} behind the task's stream time is deleted (a tombstone
 * in the changelog), so the store and its changelog stay bounded however long history runs. The
 * incidents topic itself keeps every incident.
 */
public final class IncidentsViewUpdater implements Processor<String, Incident, Void, Void> {

    /** How often, in stream time, the view is swept for incidents past the retention. */
    static final Duration PURGE_EVERY = Duration.ofHours(1);

    private final long retentionMs;
    private KeyValueStore<String, Incident> view;

    public IncidentsViewUpdater(Duration retention) {
        this.retentionMs = retention.toMillis();
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        view = context.getStateStore(StoreNames.INCIDENTS_VIEW);
        context.schedule(PURGE_EVERY, PunctuationType.STREAM_TIME, this::purgeEndedBefore);
    }

    @Override
    public void process(Record<String, Incident> record) {
        if (record.value() == null) {
            view.delete(record.key());
        } else {
            view.put(record.key(), record.value());
        }
    }

    private void purgeEndedBefore(long streamTime) {
        final long before = streamTime - retentionMs;
        final List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Incident> it = view.all()) {
            while (it.hasNext()) {
                final KeyValue<String, Incident> kv = it.next();
                if (kv.value != null && kv.value.getWindowEnd().toEpochMilli() < before) {
                    expired.add(kv.key);
                }
            }
        }
        expired.forEach(view::delete);
    }
}
