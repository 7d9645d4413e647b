package io.incidentcorrelator.contract;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;

import java.time.Instant;

/**
 * The event time of a contract record, as the contract defines it: a restart's
 * {@code finishedAt}, every other event's {@code time}. Tables (inventory, storage
 * locations) have none.
 */
public final class EventTimes {

    private EventTimes() {
    }

    /** The event time, or null for records without one (and for null). */
    public static Instant of(Object record) {
        if (record instanceof PodRestart r) {
            return r.getFinishedAt();
        }
        if (record instanceof BackupEvent b) {
            return b.getTime();
        }
        if (record instanceof EtcdLatencySample s) {
            return s.getTime();
        }
        if (record instanceof MemorySample m) {
            return m.getTime();
        }
        return null;
    }
}
