package io.incidentcorrelator.sinks;

import io.incidentcorrelator.avro.Incident;

/** Acts on each revision read from the incidents topic. */
public interface IncidentSink {

    /**
     * @param id       the record key, the incident id
     * @param incident the revision, or null for a tombstone (the incident was retracted)
     * @param delivery a unique name of this record ({@code topic-partition-offset}) for receivers that deduplicate
     * @throws SinkException when the sink has to stop; anything it merely skips it logs
     */
    void accept(String id, Incident incident, String delivery) throws InterruptedException;
}
