package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps {@link StoreNames#INCIDENTS_VIEW} as a reader of the compacted incidents topic sees it:
 * the newest revision per id, a tombstone deletes. It sits in the classifier's task, so the view is
 * partitioned by cluster like everything else (no repartition topic).
 */
public final class IncidentsViewUpdater implements Processor<String, Incident, Void, Void> {

    private KeyValueStore<String, Incident> view;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        view = context.getStateStore(StoreNames.INCIDENTS_VIEW);
    }

    @Override
    public void process(Record<String, Incident> record) {
        if (record.value() == null) {
            view.delete(record.key());
        } else {
            view.put(record.key(), record.value());
        }
    }
}
