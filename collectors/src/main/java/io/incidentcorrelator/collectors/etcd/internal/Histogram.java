package io.incidentcorrelator.collectors.etcd.internal;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A Prometheus histogram: cumulative bucket counts by upper bound (sorted, last is {@code +Inf}),
 * plus {@code _sum} and {@code _count}. Counts are doubles because that is how they travel.
 */
public record Histogram(List<Bucket> buckets, double sum, double count) {

    public record Bucket(double upperBound, double cumulativeCount) {
    }

    public Histogram {
        buckets = List.copyOf(Objects.requireNonNull(buckets, "buckets"));
    }

    /** Observations in the histogram (the {@code +Inf} bucket, or {@code _count}). */
    public double observations() {
        return buckets.isEmpty() ? 0 : buckets.get(buckets.size() - 1).cumulativeCount();
    }

    /** Whether the two histograms have the same bucket bounds, so a delta between them means something. */
    public boolean sameLayout(Histogram other) {
        if (other.buckets.size() != buckets.size()) {
            return false;
        }
        for (int i = 0; i < buckets.size(); i++) {
            if (Double.compare(buckets.get(i).upperBound(), other.buckets.get(i).upperBound()) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether any count went down since {@code earlier}: the process restarted and its counters
     * began again from zero. Only meaningful for the same layout.
     */
    public boolean isResetSince(Histogram earlier) {
        if (count < earlier.count) {
            return true;
        }
        for (int i = 0; i < Math.min(buckets.size(), earlier.buckets.size()); i++) {
            if (buckets.get(i).cumulativeCount() < earlier.buckets.get(i).cumulativeCount()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The observations made between {@code earlier} and this one. Empty if the layouts differ;
     * callers check {@link #isResetSince} first, as a reset makes the difference negative.
     */
    public Optional<Histogram> minus(Histogram earlier) {
        if (!sameLayout(earlier)) {
            return Optional.empty();
        }
        final Bucket[] delta = new Bucket[buckets.size()];
        for (int i = 0; i < delta.length; i++) {
            final double d = buckets.get(i).cumulativeCount() - earlier.buckets.get(i).cumulativeCount();
            delta[i] = new Bucket(buckets.get(i).upperBound(), Math.max(0, d));
        }
        return Optional.of(new Histogram(List.of(delta), sum - earlier.sum, Math.max(0, count - earlier.count)));
    }

    /** {@link HistogramQuantile#quantile} of this histogram. */
    public double quantile(double q) {
        return HistogramQuantile.quantile(q, buckets);
    }
}
