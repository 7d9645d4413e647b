package io.incidentcorrelator.collectors.etcd.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistogramQuantileTest {

    private static final double INF = Double.POSITIVE_INFINITY;

    private static List<Histogram.Bucket> buckets(double... boundCountPairs) {
        final List<Histogram.Bucket> list = new ArrayList<>();
        for (int i = 0; i < boundCountPairs.length; i += 2) {
            list.add(new Histogram.Bucket(boundCountPairs[i], boundCountPairs[i + 1]));
        }
        return list;
    }

    @Test
    void interpolatesLinearlyWithinTheBucket() {
        // 200 observations; rank 198 lies in (0.032, 0.064] which holds 196..200.
        final List<Histogram.Bucket> b = buckets(0.001, 50, 0.002, 100, 0.004, 150, 0.008, 170,
                0.016, 185, 0.032, 196, 0.064, 200, INF, 200);
        assertEquals(0.048, HistogramQuantile.quantile(0.99, b), 1e-12);
    }

    @Test
    void lowestBucketStartsAtZero() {
        final List<Histogram.Bucket> b = buckets(0.001, 10, 0.002, 10, INF, 10);
        assertEquals(0.0005, HistogramQuantile.quantile(0.5, b), 1e-12);
        assertEquals(0.001, HistogramQuantile.quantile(1.0, b), 1e-12);
    }

    @Test
    void rankInInfBucketGivesLargestFiniteBound() {
        final List<Histogram.Bucket> b = buckets(0.001, 0, 8.192, 0, INF, 10);
        assertEquals(8.192, HistogramQuantile.quantile(0.99, b));
    }

    @Test
    void medianOfEvenSpread() {
        final List<Histogram.Bucket> b = buckets(1, 25, 2, 50, 3, 75, 4, 100, INF, 100);
        assertEquals(2.0, HistogramQuantile.quantile(0.5, b), 1e-12);
        assertEquals(3.96, HistogramQuantile.quantile(0.99, b), 1e-12);
    }

    @Test
    void degenerateInputs() {
        assertTrue(Double.isNaN(HistogramQuantile.quantile(0.99, buckets(0.1, 0, INF, 0))), "no observations");
        assertTrue(Double.isNaN(HistogramQuantile.quantile(0.99, buckets(0.1, 1, 1.0, 2))), "no +Inf bucket");
        assertTrue(Double.isNaN(HistogramQuantile.quantile(0.99, buckets(INF, 5))), "one bucket");
        assertEquals(Double.NEGATIVE_INFINITY, HistogramQuantile.quantile(-0.1, buckets(0.1, 1, INF, 1)));
        assertEquals(INF, HistogramQuantile.quantile(1.1, buckets(0.1, 1, INF, 1)));
        assertEquals(-1.0, HistogramQuantile.quantile(0.5, buckets(-1, 5, 0.1, 6, INF, 6)), "first bound <= 0");
    }

    @Test
    void nonMonotonicCountsAreCarriedForward() {
        // The 0.004 bucket dipped (non-atomic scrape); treated as 150 like Prometheus does.
        final List<Histogram.Bucket> b = buckets(0.002, 150, 0.004, 149, 0.008, 200, INF, 200);
        final double q = HistogramQuantile.quantile(0.9, b);
        assertEquals(0.004 + 0.004 * (180.0 - 150) / 50, q, 1e-12);
    }

    @Test
    void deltaOfTwoScrapesAndResetDetection() {
        final Histogram before = new Histogram(buckets(0.01, 10, 0.1, 20, INF, 20), 0.5, 20);
        final Histogram after = new Histogram(buckets(0.01, 15, 0.1, 30, INF, 31), 1.0, 31);
        final Histogram delta = after.minus(before).orElseThrow();
        assertEquals(buckets(0.01, 5, 0.1, 10, INF, 11), delta.buckets());
        assertEquals(11, delta.count());
        assertFalse(after.isResetSince(before));

        final Histogram restarted = new Histogram(buckets(0.01, 2, 0.1, 3, INF, 3), 0.01, 3);
        assertTrue(restarted.isResetSince(after));

        final Histogram otherLayout = new Histogram(buckets(0.05, 2, INF, 3), 0.01, 3);
        assertTrue(otherLayout.minus(after).isEmpty());
    }
}
