package io.incidentcorrelator.topology;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimelineBucketTest {

    private static final long T = 1_700_000_040_000L;

    private static TimelinePoint etcd(String member, long time, double ms) {
        return new TimelinePoint(TimelinePoint.ETCD, member, time, ms, "");
    }

    @Test
    void keepsEachSeriesMaximumOfTheMinuteAndReportsOnlyRealChanges() {
        final TimelineBucket bucket = TimelineBucket.empty();
        assertTrue(bucket.add(etcd("etcd-1", T, 12.5)));
        assertFalse(bucket.add(etcd("etcd-1", T + 10_000, 8.0)), "a smaller sample changes nothing");
        assertFalse(bucket.add(etcd("etcd-1", T + 20_000, 12.5)), "an equal sample changes nothing");
        assertTrue(bucket.add(etcd("etcd-1", T + 30_000, 40.0)));
        assertTrue(bucket.add(etcd("etcd-2", T + 30_000, 3.0)));

        final List<TimelinePoint> points = TimelineBucket.decode(bucket.encode()).points();
        assertEquals(List.of(etcd("etcd-1", T + 30_000, 40.0), etcd("etcd-2", T + 30_000, 3.0)), points);
    }

    @Test
    void keepsEveryDistinctEventOnceInArrivalOrder() {
        final TimelineBucket bucket = TimelineBucket.empty();
        final TimelinePoint start = new TimelinePoint(TimelinePoint.BACKUP, "pve-a|job|101|", T, Double.NaN, "start");
        final TimelinePoint restart = new TimelinePoint(TimelinePoint.RESTART, "kube-system/ksm", T + 5, Double.NaN,
                "Error");
        assertTrue(bucket.add(start));
        assertTrue(bucket.add(restart));
        assertFalse(bucket.add(start), "the same event delivered twice");

        final String encoded = bucket.encode();
        assertEquals("backup\tpve-a|job|101|\t" + T + "\tNaN\tstart\n"
                + "restart\tkube-system/ksm\t" + (T + 5) + "\tNaN\tError\n", encoded);
        assertEquals(List.of(start, restart), TimelinePoint.decode(encoded));
    }

    @Test
    void aDecodedBucketGoesOnWhereTheStoredOneStopped() {
        final TimelineBucket first = TimelineBucket.empty();
        first.add(etcd("etcd-1", T, 20.0));
        final TimelineBucket reread = TimelineBucket.decode(first.encode());
        assertFalse(reread.add(etcd("etcd-1", T + 10_000, 19.0)));
        assertTrue(reread.add(etcd("etcd-1", T + 10_000, 21.0)));
        assertEquals(List.of(etcd("etcd-1", T + 10_000, 21.0)), reread.points());
    }

    @Test
    void tabsAndNewlinesInNamesCannotBreakTheLines() {
        final TimelineBucket bucket = TimelineBucket.empty();
        bucket.add(new TimelinePoint(TimelinePoint.RESTART, "ns/pod\twith\ntab", T, Double.NaN, "Oom\nKilled"));
        final List<TimelinePoint> points = TimelineBucket.decode(bucket.encode()).points();
        assertEquals(1, points.size());
        assertEquals("ns/pod with tab", points.get(0).series());
        assertEquals("Oom Killed", points.get(0).text());
    }

    @Test
    void skipsLinesItCannotReadAndKeepsTheRest() {
        final String stored = "etcd\tetcd-1\t" + T + "\t5.0\t\n"
                + "garbage without tabs\n"
                + "etcd\tetcd-2\tnot-a-time\t5.0\t\n"
                + "\n"
                + "host-memory\tpve-a\t" + T + "\t91.5\t";
        final List<TimelinePoint> points = TimelineBucket.decode(stored).points();
        assertEquals(List.of(etcd("etcd-1", T, 5.0),
                new TimelinePoint(TimelinePoint.HOST_MEMORY, "pve-a", T, 91.5, "")), points);
        assertTrue(TimelineBucket.decode(null).points().isEmpty());
    }

    @Test
    void aFullBucketTakesNoNewSeriesButStillRaisesKnownOnes() {
        final TimelineBucket bucket = TimelineBucket.empty();
        for (int i = 0; i < TimelinePoint.MAX_PER_BUCKET; i++) {
            assertTrue(bucket.add(etcd("etcd-" + i, T, 1.0)));
        }
        assertFalse(bucket.add(etcd("one-too-many", T, 99.0)));
        assertTrue(bucket.add(etcd("etcd-0", T, 2.0)));
        assertEquals(TimelinePoint.MAX_PER_BUCKET, bucket.points().size());
    }

    @Test
    void valuesAreStoredToTwoDecimalsAndEventsKeepNoValue() {
        final TimelineBucket bucket = TimelineBucket.empty();
        bucket.add(etcd("etcd-1", T, 68.70499));
        bucket.add(etcd("etcd-2", T, 0.005));
        bucket.add(etcd("etcd-3", T, -1.25));
        bucket.add(new TimelinePoint(TimelinePoint.RESTART, "apps/web-1", T, Double.NaN, "Error"));
        final String stored = bucket.encode();
        assertEquals(List.of("etcd\tetcd-1\t" + T + "\t68.70\t", "etcd\tetcd-2\t" + T + "\t0.01\t",
                        "etcd\tetcd-3\t" + T + "\t-1.25\t", "restart\tapps/web-1\t" + T + "\tNaN\tError"),
                List.of(stored.split("\n")));
        final List<TimelinePoint> read = TimelineBucket.decode(stored).points();
        assertEquals(68.70, read.get(0).value(), 0.0);
        assertTrue(Double.isNaN(read.get(3).value()));
    }
}
