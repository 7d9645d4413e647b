package io.incidentcorrelator.sinks;

import io.incidentcorrelator.avro.Incident;

import java.util.List;

/** Acts on each revision read from the incidents topic. */
public interface IncidentSink {

    /**
     * @param id       the record key, the incident id
     * @param incident the revision, or null for a tombstone (the incident was retracted)
     * @param delivery a unique name of this record ({@code topic-partition-offset}) for receivers that deduplicate
     * @throws SinkException when the sink has to stop; anything it merely skips it logs
     */
    void accept(String id, Incident incident, String delivery) throws InterruptedException;

    /**
     * Called after every poll of the topic, records or not (about twice a second): for what a
     * sink has to repeat while nothing arrives, such as re-sending firing alerts.
     */
    default void tick() throws InterruptedException {
    }

    /** Every record and tick to each of {@code sinks}, in order. */
    static IncidentSink all(List<IncidentSink> sinks) {
        final List<IncidentSink> each = List.copyOf(sinks);
        return new IncidentSink() {
            @Override
            public void accept(String id, Incident incident, String delivery) throws InterruptedException {
                for (IncidentSink s : each) {
                    s.accept(id, incident, delivery);
                }
            }

            @Override
            public void tick() throws InterruptedException {
                for (IncidentSink s : each) {
                    s.tick();
                }
            }
        };
    }
}
