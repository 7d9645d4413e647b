package io.incidentcorrelator.bench;

import java.util.ArrayList;
import java.util.List;

/** Records done against seconds since the phase started: the throughput figure and the chart's curve. */
final class ThroughputCurve {

    record Point(double seconds, long records) {
    }

    private final long start = System.nanoTime();
    private final List<Point> points = new ArrayList<>(List.of(new Point(0, 0)));
    private long end = -1;
    private long records;

    synchronized void add(long done) {
        points.add(new Point((System.nanoTime() - start) / 1e9, done));
    }

    synchronized void finish(long done) {
        end = System.nanoTime();
        records = done;
        add(done);
    }

    double seconds() {
        return ((end < 0 ? System.nanoTime() : end) - start) / 1e9;
    }

    long records() {
        return records;
    }

    double recordsPerSecond() {
        return records / seconds();
    }

    synchronized List<Point> points() {
        return List.copyOf(points);
    }
}
