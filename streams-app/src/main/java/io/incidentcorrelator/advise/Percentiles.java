package io.incidentcorrelator.advise;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Nearest-rank percentiles: always a value that was observed, 0 for no values. */
final class Percentiles {

    private Percentiles() {
    }

    /** The smallest value with at least {@code percent} % of the values at or below it. */
    static long nearestRank(List<Long> values, int percent) {
        if (values.isEmpty()) {
            return 0;
        }
        final List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        final int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
