package io.incidentcorrelator.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.incidentcorrelator.classify.Classifier;
import io.incidentcorrelator.classify.ClassifierConfig;
import io.incidentcorrelator.topology.TimelinePoint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the timeline store's points into what the chart draws: backup bars (a start paired with
 * its end, per host, job and guest), one line per etcd member, host and guest, and restart markers.
 * Times are epoch milliseconds, so the page needs no date parsing.
 */
final class Timeline {

    /** A bar that began before the chart's start still has its start in the store this far back. */
    static final Duration BACKUP_LOOKBACK = Duration.ofHours(12);

    private Timeline() {
    }

    static ObjectNode toJson(String cluster, long from, long to, List<TimelinePoint> points) {
        final JsonNodeFactory f = JsonNodeFactory.instance;
        final ObjectNode out = f.objectNode().put("cluster", cluster).put("from", from).put("to", to);
        final List<TimelinePoint> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingLong(TimelinePoint::time));

        final ArrayNode backups = out.putArray("backups");
        final Map<String, Long> started = new HashMap<>();
        final Map<String, TreeMap<Long, Double>> etcd = new TreeMap<>();
        final Map<String, TreeMap<Long, Double>> memory = new TreeMap<>();
        final Map<String, TreeMap<Long, Double>> balloon = new TreeMap<>();
        final ArrayNode restarts = f.arrayNode();
        for (TimelinePoint p : sorted) {
            final boolean inRange = p.time() >= from && p.time() <= to;
            switch (p.kind()) {
                case TimelinePoint.BACKUP -> {
                    if (p.text().endsWith("start")) {
                        started.put(p.series(), p.time());
                    } else if (p.text().endsWith("end") || p.text().endsWith("abort")) {
                        final Long start = started.remove(p.series());
                        bar(backups, p.series(), start == null ? from : start, p.time(), p.text(), from, to);
                    }
                }
                case TimelinePoint.ETCD -> add(etcd, p, inRange);
                case TimelinePoint.HOST_MEMORY -> add(memory, p, inRange);
                case TimelinePoint.BALLOON -> add(balloon, p, inRange);
                case TimelinePoint.RESTART -> {
                    if (inRange) {
                        restarts.addObject().put("pod", p.series()).put("time", p.time()).put("reason", p.text());
                    }
                }
                default -> {
                    // A kind a newer version wrote: not drawn.
                }
            }
        }
        // Still running at the end of the range (or the end is not recorded yet).
        started.forEach((series, start) -> bar(backups, series, start, to, "running", from, to));
        series(out.putArray("etcd"), etcd);
        series(out.putArray("hostMemory"), memory);
        series(out.putArray("balloon"), balloon);
        out.set("restarts", restarts);
        return out;
    }

    /**
     * The lines the classifier judges by, in the chart's units: etcd WAL fsync p99 above
     * {@code etcdWalFsyncP99Ms} is slow disk, host memory at or above {@code hostMemoryPercent}
     * is pressure, a balloon below {@code balloonPercent} of its maximum is reclaimed.
     */
    static ObjectNode thresholds(ClassifierConfig c) {
        return JsonNodeFactory.instance.objectNode()
                .put("etcdWalFsyncP99Ms", c.etcdWalFsyncP99Ms())
                .put("hostMemoryPercent", Classifier.percent(c.hostMemoryUsedRatio()))
                .put("balloonPercent", Classifier.percent(c.balloonRatio()));
    }

    private static void bar(ArrayNode bars, String series, long start, long end, String phase, long from, long to) {
        if (end < from || start > to) {
            return;
        }
        // series is host|job|vmid|target, see TimelineRecorder.
        final String[] s = series.split("\\|", -1);
        final ObjectNode bar = bars.addObject()
                .put("host", s[0])
                .put("job", s.length > 1 ? s[1] : "")
                .put("start", Math.max(start, from))
                .put("end", Math.min(end, to))
                .put("phase", phase);
        if (s.length > 2 && !s[2].isEmpty()) {
            bar.put("vmid", s[2]);
        }
        if (s.length > 3 && !s[3].isEmpty()) {
            bar.put("target", s[3]);
        }
    }

    private static void add(Map<String, TreeMap<Long, Double>> lines, TimelinePoint p, boolean inRange) {
        if (inRange) {
            lines.computeIfAbsent(p.series(), k -> new TreeMap<>()).put(p.time(), p.value());
        }
    }

    private static void series(ArrayNode out, Map<String, TreeMap<Long, Double>> lines) {
        lines.forEach((name, points) -> {
            final ArrayNode values = out.addObject().put("name", name).putArray("points");
            points.forEach((t, v) -> values.addArray().add(t).add(Math.round(v * 100) / 100.0));
        });
    }
}
