package io.incidentcorrelator.topology;

import java.time.Duration;
import java.util.List;

/**
 * One point of the timeline chart as kept in the {@link StoreNames#TIMELINE} store: a minute's
 * bucket is a few lines of {@code kind TAB series TAB time TAB value TAB text}. Plain text rather
 * than Avro because the store is a view for people, read by the web API, never by the classifier.
 *
 * @param kind   what was observed, see the constants
 * @param series the line or row it belongs to: an etcd member, a host, {@code host/vmid}, a pod,
 *               or for backups {@code host|job|vmid}
 * @param time   event time, epoch milliseconds
 * @param value  the sample (ms, percent), stored to two decimals; NaN for events
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

    /** Two points with the same identity are one point of the chart: the sample's series, or the event itself. */
    String identity() {
        return isSample() ? kind + '\t' + series : kind + '\t' + series + '\t' + time + '\t' + text;
    }

    /** The stored line; the value with two decimals, all a chart can show (and Double.toString is slow). */
    String encode() {
        final StringBuilder line = new StringBuilder(kind.length() + series.length() + text.length() + 40)
                .append(kind).append('\t').append(series).append('\t').append(time).append('\t');
        appendHundredths(line, value);
        return line.append('\t').append(text).toString();
    }

    static void appendHundredths(StringBuilder sb, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value) || Math.abs(value) >= 1e15) {
            sb.append(value);
            return;
        }
        long hundredths = Math.round(value * 100);
        if (hundredths < 0) {
            sb.append('-');
            hundredths = -hundredths;
        }
        final long fraction = hundredths % 100;
        sb.append(hundredths / 100).append('.').append(fraction < 10 ? "0" : "").append(fraction);
    }

    /** The store's window (bucket) that holds a point of event time {@code time}: its minute. */
    public static long bucketStart(long time) {
        return Math.floorDiv(time, BUCKET.toMillis()) * BUCKET.toMillis();
    }

    /** The points of an encoded bucket; malformed lines are skipped. */
    public static List<TimelinePoint> decode(String bucket) {
        return TimelineBucket.decode(bucket).points();
    }

    /** One line of a bucket; null when the line was not written by this version. */
    static TimelinePoint parse(String line) {
        final String[] f = line.split("\t", 5);
        if (f.length != 5) {
            return null;
        }
        try {
            return new TimelinePoint(f[0], f[1], Long.parseLong(f[2]), Double.parseDouble(f[3]), f[4]);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String clean(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ');
    }
}
