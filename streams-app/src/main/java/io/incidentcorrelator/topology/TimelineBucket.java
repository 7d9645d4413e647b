package io.incidentcorrelator.topology;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One minute of a cluster's timeline, as the {@link StoreNames#TIMELINE} store holds it: samples
 * downsampled to the minute's maximum per series, events all kept, at most
 * {@value TimelinePoint#MAX_PER_BUCKET} points. The store holds it decoded until the task commits,
 * so that the points of a minute cost no encoding each: the bucket is encoded when it is written
 * out, and each point's line once.
 */
public final class TimelineBucket {

    /** The store's values: {@link #encode()} as UTF-8, as the store has always held them. */
    public static final Serde<TimelineBucket> SERDE = Serdes.serdeFrom(
            (topic, bucket) -> bucket == null ? null : bucket.encode().getBytes(StandardCharsets.UTF_8),
            (topic, bytes) -> bytes == null ? null : decode(new String(bytes, StandardCharsets.UTF_8)));

    private static final class Line {
        private final TimelinePoint point;
        private String text;

        Line(TimelinePoint point, String text) {
            this.point = point;
            this.text = text;
        }

        TimelinePoint point() {
            return point;
        }

        String text() {
            if (text == null) {
                text = point.encode();
            }
            return text;
        }
    }

    private final Map<String, Line> lines = new LinkedHashMap<>();

    private TimelineBucket() {
    }

    public static TimelineBucket empty() {
        return new TimelineBucket();
    }

    /** The bucket as stored (null: empty); lines not written by this version are left out. */
    public static TimelineBucket decode(String encoded) {
        final TimelineBucket bucket = new TimelineBucket();
        if (encoded == null) {
            return bucket;
        }
        int from = 0;
        while (from < encoded.length()) {
            int to = encoded.indexOf('\n', from);
            if (to < 0) {
                to = encoded.length();
            }
            final String text = encoded.substring(from, to);
            final TimelinePoint point = text.isEmpty() ? null : TimelinePoint.parse(text);
            if (point != null) {
                bucket.lines.put(point.identity(), new Line(point, text));
            }
            from = to + 1;
        }
        return bucket;
    }

    /**
     * Adds a point: a sample replaces its series' sample of the minute only if larger, an event is
     * added once. A full bucket takes no new points.
     *
     * @return whether the bucket changed (and so must be written again)
     */
    public boolean add(TimelinePoint point) {
        final String identity = point.identity();
        final Line before = lines.get(identity);
        if (before == null && lines.size() >= TimelinePoint.MAX_PER_BUCKET) {
            return false;
        }
        if (before == null || (point.isSample() && point.value() > before.point().value())) {
            lines.put(identity, new Line(point, null));
            return true;
        }
        return false;
    }

    public List<TimelinePoint> points() {
        final List<TimelinePoint> points = new ArrayList<>(lines.size());
        for (Line line : lines.values()) {
            points.add(line.point());
        }
        return points;
    }

    /** The stored form: one line per point, in the order the points first came. */
    public String encode() {
        int length = 0;
        for (Line line : lines.values()) {
            length += line.text().length() + 1;
        }
        final StringBuilder sb = new StringBuilder(length);
        for (Line line : lines.values()) {
            sb.append(line.text()).append('\n');
        }
        return sb.toString();
    }
}
