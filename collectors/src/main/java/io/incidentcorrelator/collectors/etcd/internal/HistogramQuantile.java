package io.incidentcorrelator.collectors.etcd.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The quantile of a bucketed histogram as Prometheus' {@code histogram_quantile} computes it:
 * find the bucket holding the rank, then interpolate linearly inside it, assuming observations
 * are spread evenly across the bucket (the lowest bucket starts at 0). Matching Prometheus means
 * the numbers here agree with what people see in Grafana for the same data.
 */
public final class HistogramQuantile {

    private HistogramQuantile() {
    }

    /**
     * @param q       the quantile, 0..1 (below 0 gives -Inf, above 1 gives +Inf, as in Prometheus)
     * @param buckets cumulative counts sorted by upper bound; the last must be {@code +Inf}
     * @return the estimate, or NaN when there are no observations, fewer than two buckets or no {@code +Inf} bucket
     */
    public static double quantile(double q, List<Histogram.Bucket> buckets) {
        if (Double.isNaN(q)) {
            return Double.NaN;
        }
        if (q < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (q > 1) {
            return Double.POSITIVE_INFINITY;
        }
        if (buckets.size() < 2 || buckets.get(buckets.size() - 1).upperBound() != Double.POSITIVE_INFINITY) {
            return Double.NaN;
        }
        final List<Histogram.Bucket> b = ensureMonotonic(buckets);
        final double observations = b.get(b.size() - 1).cumulativeCount();
        if (observations <= 0 || Double.isNaN(observations)) {
            return Double.NaN;
        }
        double rank = q * observations;

        // First bucket whose cumulative count reaches the rank; the +Inf bucket is not searched.
        int i = 0;
        while (i < b.size() - 1 && b.get(i).cumulativeCount() < rank) {
            i++;
        }
        if (i == b.size() - 1) {
            // The rank lies in +Inf: the best we can say is "at least the largest finite bound".
            return b.get(b.size() - 2).upperBound();
        }
        if (i == 0 && b.get(0).upperBound() <= 0) {
            return b.get(0).upperBound();
        }
        double bucketStart = 0;
        final double bucketEnd = b.get(i).upperBound();
        double count = b.get(i).cumulativeCount();
        if (i > 0) {
            bucketStart = b.get(i - 1).upperBound();
            count -= b.get(i - 1).cumulativeCount();
            rank -= b.get(i - 1).cumulativeCount();
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count);
    }

    /**
     * Cumulative counts can dip slightly when buckets are scraped non-atomically or summed in
     * floating point; Prometheus carries the running maximum forward and so do we.
     */
    private static List<Histogram.Bucket> ensureMonotonic(List<Histogram.Bucket> buckets) {
        final List<Histogram.Bucket> out = new ArrayList<>(buckets.size());
        double max = Double.NEGATIVE_INFINITY;
        for (Histogram.Bucket bucket : buckets) {
            max = Math.max(max, bucket.cumulativeCount());
            out.add(bucket.cumulativeCount() < max ? new Histogram.Bucket(bucket.upperBound(), max) : bucket);
        }
        return out;
    }
}
