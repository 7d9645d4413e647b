package io.incidentcorrelator.classify;

import java.time.Duration;
import java.time.Instant;

/**
 * One run of a backup job as seen from one host: the host runs it (source) or receives it
 * (target). {@code end} is null while it runs.
 */
public record BackupActivity(
        String sourceHost,
        String targetHost,
        String storage,
        String job,
        Instant start,
        Instant end,
        boolean aborted) {

    /** Active from its first start phase to its last end phase plus the cool-down. */
    public boolean activeAt(Instant t, Duration coolDown, Duration maxDuration) {
        if (t.isBefore(start)) {
            return false;
        }
        if (end == null) {
            // A run whose end we never saw must not explain restarts forever.
            return !t.isAfter(start.plus(maxDuration));
        }
        return !t.isAfter(end.plus(coolDown));
    }

    public boolean runningAt(Instant t) {
        return !t.isBefore(start) && (end == null || !t.isAfter(end));
    }

    /** "backup-nightly on ruapehu → pbs-main on pihanga" */
    public String describe() {
        final StringBuilder sb = new StringBuilder();
        sb.append(job).append(" on ").append(sourceHost);
        if (storage != null || (targetHost != null && !targetHost.equals(sourceHost))) {
            sb.append(" → ");
            if (storage != null) {
                sb.append(storage);
                if (targetHost != null) {
                    sb.append(" on ").append(targetHost);
                }
            } else {
                sb.append(targetHost);
            }
        }
        return sb.toString();
    }
}
