package io.incidentcorrelator.incident;

import io.incidentcorrelator.avro.IncidentCategory;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Deterministic, readable incident ids: {@code prod.backup-io-contention.20260226T022312Z}.
 * Cluster, category and the first restart's time identify an incident: two incidents of one
 * cluster and category are always more than the grouping gap apart, so they never collide,
 * and a replay of the same input overwrites rather than duplicates.
 */
public final class IncidentIds {

    private static final DateTimeFormatter COMPACT =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private IncidentIds() {
    }

    public static String of(String cluster, IncidentCategory category, Instant firstRestart) {
        return cluster + "." + category.name().toLowerCase(Locale.ROOT).replace('_', '-') + "."
                + COMPACT.format(firstRestart);
    }
}
