package io.incidentcorrelator.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One point of the timeline chart as kept in the {@link StoreNames#TIMELINE} store: a minute's
 * bucket is a few lines of {@code kind TAB series TAB time TAB value TAB text}. Plain text rather
 * than Avro because the store is a view for people, read by the web API, never by the classifier.
 *
 * @param kind   what was observed, see the constants
 * @param series the line or row it belongs to: an etcd member, a host, {@code host/vmid}, a pod,
 *               or for backups {@code host|job|vmid}
 * @param time   event time, epoch milliseconds
 * @param value  the sample (ms, percent); NaN for events
 * @param text   backup phase or restart reason; empty when none
 */
public record TimelinePoint(String kind, String series, long time, double value, String text) {

    public static final String BACKUP = "backup";
    public static final String ETCD = "etcd";
    public static final String HOST_MEMORY = "host-memory";
    public static final String BALLOON = "balloon";
    public static final String RESTART = "restart";

    /** Samples are downsampled to one per series and minute. */
    public static final Duration BUCKET = Duration.ofMinutes(1);

    /** A burst of restarts must not grow one minute's bucket without bound. */
    static final int MAX_PER_BUCKET = 400;

    public TimelinePoint {
        series = clean(series);
        text = clean(text);
    }

    /** Samples are downsampled to the minute's maximum; events are all kept. */
    boolean isSample() {
        return kind.equals(ETCD) || kind.equals(HOST_MEMORY) || kind.equals(BALLOON);
    }

    private String identity() {
        return isSample() ? kind + '\t' + series : kind + '\t' + series + '\t' + time + '\t' + text;
    }

    String encode() {
        return kind + '\t' + series + '\t' + time + '\t' + value + '\t' + text;
    }

    /** The store's window (bucket) that holds a point of event time {@code time}: its minute. */
    public static long bucketStart(long time) {
        return Math.floorDiv(time, BUCKET.toMillis()) * BUCKET.toMillis();
    }

    /** Adds {@code point} to an encoded bucket (null: empty), keeping the larger of two samples. */
    public static String merge(String bucket, TimelinePoint point) {
        final Map<String, TimelinePoint> points = new LinkedHashMap<>();
        for (TimelinePoint p : decode(bucket)) {
            points.put(p.identity(), p);
        }
        final TimelinePoint before = points.get(point.identity());
        if (before == null && points.size() >= MAX_PER_BUCKET) {
            return bucket;
        }
        if (before == null || (point.isSample() && point.value() > before.value())) {
            points.put(point.identity(), point);
        }
        final StringBuilder sb = new StringBuilder();
        for (TimelinePoint p : points.values()) {
            sb.append(p.encode()).append('\n');
        }
        return sb.toString();
    }

    /** The points of an encoded bucket; malformed lines are skipped. */
    public static List<TimelinePoint> decode(String bucket) {
        final List<TimelinePoint> points = new ArrayList<>();
        if (bucket == null) {
            return points;
        }
        for (String line : bucket.split("\n")) {
            final String[] f = line.split("\t", 5);
            if (f.length == 5) {
                try {
                    points.add(new TimelinePoint(f[0], f[1], Long.parseLong(f[2]), Double.parseDouble(f[3]), f[4]));
                } catch (NumberFormatException ignored) {
                    // Not written by this version: leave it out of the chart.
                }
            }
        }
        return points;
    }

    private static String clean(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ');
    }
}
