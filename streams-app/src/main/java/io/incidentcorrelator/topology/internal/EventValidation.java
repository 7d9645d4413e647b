package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.ClockTick;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Checks a decoded event for values no real source produces, so it goes to the dead-letter
 * topic with the reason instead of skewing a classification: times before 2000 or in the
 * future, negative sizes and counts, ratios out of range, names longer than Kubernetes allows.
 */
public final class EventValidation {

    /** Earlier event times are no real events (a zero or garbage timestamp). */
    public static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    /**
     * Clock skew allowed to a source. Must stay well below the broker's
     * {@code log.message.timestamp.after.max.ms} (1 h by default since Kafka 4.0): an accepted event
     * stamps repartition, changelog and incident records with its time, and a record the broker
     * refuses stops the application.
     */
    public static final Duration FUTURE_TOLERANCE = Duration.ofMinutes(15);
    /** Kubernetes object names are at most 253 characters. */
    private static final int MAX_NAME = 253;
    /** The contract caps log excerpts at 4 KiB; anything far beyond that is not from a collector. */
    private static final int MAX_MESSAGE = 16 * 1024;

    private final Clock clock;

    public EventValidation(Clock clock) {
        this.clock = clock;
    }

    /** Null when the event is fine, else the reason it is not. */
    public String problem(Object payload) {
        if (payload == null) {
            return "empty payload";
        }
        if (payload instanceof PodRestart r) {
            return first(
                    name("cluster", r.getCluster()), name("namespace", r.getNamespace()), name("pod", r.getPod()),
                    name("container", r.getContainer()), optionalName("node", r.getNode()),
                    r.getRestartCount() < 0 ? "restartCount is negative (" + r.getRestartCount() + ")" : null,
                    time("finishedAt", r.getFinishedAt()),
                    r.getMessage() != null && r.getMessage().length() > MAX_MESSAGE
                            ? "message is " + r.getMessage().length() + " characters long (at most " + MAX_MESSAGE + ")"
                            : null,
                    optionalName("terminatedReason", r.getTerminatedReason()),
                    optionalName("waitingReason", r.getWaitingReason()));
        }
        if (payload instanceof BackupEvent b) {
            return first(name("host", b.getHost()), time("time", b.getTime()),
                    b.getVmid() != null && b.getVmid() < 0 ? "vmid is negative (" + b.getVmid() + ")" : null,
                    optionalName("jobId", b.getJobId()), optionalName("upid", b.getUpid()),
                    optionalName("storage", b.getStorage()), optionalName("targetHost", b.getTargetHost()));
        }
        if (payload instanceof EtcdLatencySample s) {
            return first(name("cluster", s.getCluster()), name("member", s.getMember()), time("time", s.getTime()),
                    nonNegative("walFsyncP99Ms", s.getWalFsyncP99Ms()),
                    nonNegative("backendCommitP99Ms", s.getBackendCommitP99Ms()),
                    s.getSlowApplies() != null && s.getSlowApplies() < 0 ? "slowApplies is negative" : null,
                    s.getDbSizeBytes() != null && s.getDbSizeBytes() < 0 ? "dbSizeBytes is negative" : null,
                    s.getDbSizeInUseBytes() != null && s.getDbSizeInUseBytes() < 0 ? "dbSizeInUseBytes is negative" : null);
        }
        if (payload instanceof MemorySample m) {
            return first(name("host", m.getHost()), time("time", m.getTime()),
                    m.getMemTotalBytes() <= 0 ? "memTotalBytes must be positive (" + m.getMemTotalBytes() + ")" : null,
                    m.getMemUsedBytes() < 0 ? "memUsedBytes is negative (" + m.getMemUsedBytes() + ")" : null,
                    m.getBalloonActualBytes() != null && m.getBalloonActualBytes() < 0 ? "balloonActualBytes is negative" : null,
                    m.getBalloonMaxBytes() != null && m.getBalloonMaxBytes() < 0 ? "balloonMaxBytes is negative" : null,
                    ratio("cpuUsage", m.getCpuUsage()), ratio("ioWait", m.getIoWait()),
                    m.getMemPressureSomeAvg10() != null
                            && !(m.getMemPressureSomeAvg10() >= 0 && m.getMemPressureSomeAvg10() <= 100)
                            ? "memPressureSomeAvg10 must be within 0..100 (" + m.getMemPressureSomeAvg10() + ")" : null);
        }
        if (payload instanceof ClockTick) {
            return null;
        }
        return "unexpected payload type " + payload.getClass().getSimpleName();
    }

    /** False for times {@link #problem} rejects: before 2000 or further in the future than the clock skew allowed. */
    public boolean isPlausibleTime(Instant t) {
        return t != null && !t.isBefore(EARLIEST) && !t.isAfter(clock.instant().plus(FUTURE_TOLERANCE));
    }

    private String time(String field, Instant t) {
        if (t == null) {
            return field + " is missing";
        }
        if (t.isBefore(EARLIEST)) {
            return field + " " + t + " is before 2000: not a real event time";
        }
        if (t.isAfter(clock.instant().plus(FUTURE_TOLERANCE))) {
            return field + " " + t + " is in the future";
        }
        return null;
    }

    private static String name(String field, String value) {
        if (value == null || value.isBlank()) {
            return field + " is empty";
        }
        return optionalName(field, value);
    }

    private static String optionalName(String field, String value) {
        if (value != null && value.length() > MAX_NAME) {
            return field + " is " + value.length() + " characters long (at most " + MAX_NAME + ")";
        }
        return null;
    }

    private static String nonNegative(String field, Double value) {
        if (value != null && !(value >= 0 && Double.isFinite(value))) {
            return field + " must be a non-negative number (" + value + ")";
        }
        return null;
    }

    private static String ratio(String field, Double value) {
        if (value != null && !(value >= 0 && value <= 1.5)) {
            return String.format(Locale.ROOT, "%s must be a ratio within 0..1 (%s)", field, value);
        }
        return null;
    }

    private static String first(String... problems) {
        for (String p : problems) {
            if (p != null) {
                return p;
            }
        }
        return null;
    }
}
