package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.internal.CorrelationEvent;

/**
 * Where an event stands against the correlation's event time and the catch-up horizon, as
 * {@link LateRecordGate} decided it; the topology splits on it (branches {@code lateness-...}).
 */
public enum Lateness {
    /** Within the horizon (or a clock tick, or passed on provisionally): correlated. */
    ON_TIME,
    /**
     * A restart further behind event time than the horizon: still correlated, against the evidence
     * still stored for its time (a restart is never dropped for being late), and counted.
     */
    RESTART_BEYOND_HORIZON,
    /** A sample or backup further behind than the horizon: it can no longer be stored next to what it explains. */
    EVIDENCE_BEYOND_HORIZON;

    /** An event with the gate's verdict; only between the gate and the branches, never serialised. */
    public record Judged(CorrelationEvent event, Lateness lateness) {
    }
}
