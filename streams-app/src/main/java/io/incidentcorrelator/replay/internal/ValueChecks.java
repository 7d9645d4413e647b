package io.incidentcorrelator.replay.internal;

import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

import java.util.Optional;
import java.util.Set;

/**
 * Rejects values no collector could have observed. A typo in a hand-written scenario
 * (a negative size, a CPU use of 55 instead of 0.55) would otherwise replay quietly and
 * produce a confusing classification far from its cause.
 */
public final class ValueChecks {

    /** Counts and sizes that cannot be negative; every {@code *Bytes} and {@code *Ms} field too. */
    private static final Set<String> NOT_NEGATIVE = Set.of("restartCount", "slowApplies", "vmid");
    private static final Set<String> POSITIVE = Set.of("memTotalBytes");
    /** Ratios may overshoot 1 a little (rounding, steal accounting), but not by much. */
    private static final Set<String> RATIOS = Set.of("cpuUsage", "ioWait");
    private static final double RATIO_MAX = 1.5;
    private static final Set<String> PERCENTAGES = Set.of("memPressureSomeAvg10");

    private ValueChecks() {
    }

    /** The first impossible field value of a contract input record, as {@code field "x": ...}. */
    public static Optional<String> problem(IndexedRecord value) {
        for (Schema.Field field : value.getSchema().getFields()) {
            if (!(value.get(field.pos()) instanceof Number number)) {
                continue;
            }
            String name = field.name();
            double d = number.doubleValue();
            String shown = number.toString();
            String prefix = "field " + JsonText.quote(name) + ": ";
            if (!Double.isFinite(d)) {
                return Optional.of(prefix + "expected a finite number, got " + shown);
            }
            if (POSITIVE.contains(name)) {
                if (d <= 0) {
                    return Optional.of(prefix + "must be greater than 0, got " + shown);
                }
            } else if (NOT_NEGATIVE.contains(name) || name.endsWith("Bytes") || name.endsWith("Ms")) {
                if (d < 0) {
                    return Optional.of(prefix + "must not be negative, got " + shown);
                }
            } else if (RATIOS.contains(name)) {
                if (d < 0 || d > RATIO_MAX) {
                    return Optional.of(prefix + "must be between 0 and " + RATIO_MAX + ", got " + shown);
                }
            } else if (PERCENTAGES.contains(name)) {
                if (d < 0 || d > 100) {
                    return Optional.of(prefix + "must be between 0 and 100, got " + shown);
                }
            }
        }
        return Optional.empty();
    }
}
