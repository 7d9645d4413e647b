package io.incidentcorrelator.incident;

import io.incidentcorrelator.serde.AvroRecords;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Revisions of an incident: OPEN when first seen, UPDATED whenever what it says changes,
 * RESOLVED once the grouping gap has passed after its last restart with no new one. Event
 * time drives it, so a replay resolves what the live pipeline would have resolved.
 */
public final class IncidentLifecycle {

    private final Duration groupingGap;

    public IncidentLifecycle(Duration groupingGap) {
        this.groupingGap = Objects.requireNonNull(groupingGap, "groupingGap");
    }

    /**
     * @param previous the last revision emitted for this id, or null
     * @param draft    what the incident is now (revision and status ignored)
     * @param now      event time reached
     * @return the revisions to emit, oldest first; empty when nothing changed
     */
    public List<Incident> next(Incident previous, Incident draft, Instant now) {
        final List<Incident> out = new ArrayList<>(2);
        Incident current;
        if (previous == null) {
            current = withLifecycle(draft, 1, IncidentStatus.OPEN);
            out.add(current);
        } else if (!sameContent(previous, draft)) {
            current = withLifecycle(draft, previous.getRevision() + 1, IncidentStatus.UPDATED);
            out.add(current);
        } else {
            current = previous;
        }
        final Incident resolved = resolveIfQuiet(current, now);
        if (resolved != null) {
            out.add(resolved);
        }
        return out;
    }

    /** The RESOLVED revision when the gap has passed since the last restart, else null. */
    public Incident resolveIfQuiet(Incident current, Instant now) {
        if (current.getStatus() == IncidentStatus.RESOLVED) {
            return null;
        }
        if (now.isBefore(current.getWindowEnd().plus(groupingGap))) {
            return null;
        }
        return withLifecycle(current, current.getRevision() + 1, IncidentStatus.RESOLVED);
    }

    static boolean sameContent(Incident a, Incident b) {
        return AvroRecords.sameValue(withLifecycle(a, 0, IncidentStatus.UNKNOWN), withLifecycle(b, 0, IncidentStatus.UNKNOWN));
    }

    private static Incident withLifecycle(Incident incident, int revision, IncidentStatus status) {
        return Incident.newBuilder(incident).setRevision(revision).setStatus(status).build();
    }
}
