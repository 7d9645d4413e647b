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

    /** What an id says about its incident; downstream readers need it for tombstones, which carry only the id. */
    public record Parts(String cluster, IncidentCategory category) {
    }

    /** The cluster and category of an id made by {@link #of}, or null when {@code id} is not one. */
    public static Parts parse(String id) {
        final int last = id.lastIndexOf('.');
        final int middle = last <= 0 ? -1 : id.lastIndexOf('.', last - 1);
        if (middle <= 0) {
            return null;
        }
        final String symbol = id.substring(middle + 1, last).toUpperCase(Locale.ROOT).replace('-', '_');
        for (IncidentCategory category : IncidentCategory.values()) {
            if (category.name().equals(symbol)) {
                return new Parts(id.substring(0, middle), category);
            }
        }
        return null;
    }
}
