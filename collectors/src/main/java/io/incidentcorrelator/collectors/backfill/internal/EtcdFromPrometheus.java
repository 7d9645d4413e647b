package io.incidentcorrelator.collectors.backfill.internal;

import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.collectors.backfill.internal.PrometheusClient.Point;
import io.incidentcorrelator.collectors.backfill.internal.PrometheusClient.PrometheusException;
import io.incidentcorrelator.collectors.backfill.internal.PrometheusClient.Series;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * etcd samples from Prometheus: p99s with {@code histogram_quantile} over {@code rate} of the
 * bucket counters (what the live collector computes from bucket deltas), sizes, leader flag and
 * slow applies, one sample per member per step. Prometheus' {@code rate} handles counter resets.
 */
public final class EtcdFromPrometheus {

    private final PrometheusClient prometheus;
    private final String cluster;
    private final String selector;
    private final Map<String, String> memberNames;
    private final Consumer<String> notes;

    public EtcdFromPrometheus(PrometheusClient prometheus, String cluster, String selector,
                              Map<String, String> memberNames, Consumer<String> notes) {
        this.prometheus = prometheus;
        this.cluster = cluster;
        this.selector = selector;
        this.memberNames = memberNames;
        this.notes = notes;
    }

    /** The queries, for documentation and tests. */
    public static String p99Query(String histogram, String selector, Duration window) {
        return "histogram_quantile(0.99, sum by (instance, le) (rate(" + metric(histogram + "_bucket", selector)
                + "[" + window.toSeconds() + "s])))";
    }

    public List<EtcdLatencySample> read(Instant since, Instant until, Duration step)
            throws PrometheusException, InterruptedException {
        // rate() needs a few scrapes in its window; 5 min is what etcd's own dashboards use.
        final Duration window = step.compareTo(Duration.ofMinutes(5)) > 0 ? step : Duration.ofMinutes(5);
        final Map<String, Map<Instant, Double>> wal = byInstance(prometheus.queryRange(
                p99Query("etcd_disk_wal_fsync_duration_seconds", selector, window), since, until, step));
        if (wal.isEmpty()) {
            notes.accept("etcd: Prometheus has no etcd_disk_wal_fsync_duration_seconds_bucket"
                    + (selector.isEmpty() ? "" : " for {" + selector + "}") + " between " + since + " and " + until);
            return List.of();
        }
        final Map<String, Map<Instant, Double>> commit = byInstance(prometheus.queryRange(
                p99Query("etcd_disk_backend_commit_duration_seconds", selector, window), since, until, step));
        final Map<String, Map<Instant, Double>> size = byInstance(prometheus.queryRange(
                "max by (instance) (" + metric("etcd_mvcc_db_total_size_in_bytes", selector) + ")", since, until, step));
        final Map<String, Map<Instant, Double>> inUse = byInstance(prometheus.queryRange(
                "max by (instance) (" + metric("etcd_mvcc_db_total_size_in_use_in_bytes", selector) + ")",
                since, until, step));
        final Map<String, Map<Instant, Double>> leader = byInstance(prometheus.queryRange(
                "max by (instance) (" + metric("etcd_server_is_leader", selector) + ")", since, until, step));
        final Map<String, Map<Instant, Double>> slow = byInstance(prometheus.queryRange(
                "sum by (instance) (increase(" + metric("etcd_server_slow_apply_total", selector) + "["
                        + step.toSeconds() + "s]))", since, until, step));

        final List<EtcdLatencySample> out = new ArrayList<>();
        int overflow = 0;
        for (Map.Entry<String, Map<Instant, Double>> member : new TreeMap<>(wal).entrySet()) {
            final String instance = member.getKey();
            for (Map.Entry<Instant, Double> p : new TreeMap<>(member.getValue()).entrySet()) {
                final double walP99 = p.getValue();
                if (Double.isInfinite(walP99)) {
                    overflow++; // above the largest bucket: no number to give
                    continue;
                }
                final Instant t = p.getKey();
                out.add(EtcdLatencySample.newBuilder()
                        .setCluster(cluster)
                        .setMember(memberName(instance))
                        // NaN: no fsync in the window (0/0), which the live collector reports as 0 too.
                        .setWalFsyncP99Ms(Double.isNaN(walP99) ? 0.0 : walP99 * 1000.0)
                        .setBackendCommitP99Ms(finite(at(commit, instance, t), 1000.0))
                        .setSlowApplies(toInt(at(slow, instance, t)))
                        .setDbSizeBytes(toLong(at(size, instance, t)))
                        .setDbSizeInUseBytes(toLong(at(inUse, instance, t)))
                        .setLeader(at(leader, instance, t) == null ? null : at(leader, instance, t) >= 1.0)
                        .setTime(t)
                        .build());
            }
        }
        if (overflow > 0) {
            notes.accept("etcd: " + overflow + " WAL fsync p99 value(s) above the largest histogram bucket were left out");
        }
        return out;
    }

    private String memberName(String instance) {
        final String named = memberNames.get(instance);
        if (named != null) {
            return named;
        }
        if (instance.startsWith("[")) {
            final int end = instance.indexOf(']');
            return end > 0 ? instance.substring(1, end) : instance;
        }
        final int colon = instance.lastIndexOf(':');
        return colon > 0 ? instance.substring(0, colon) : instance;
    }

    static String metric(String name, String selector) {
        return selector.isEmpty() ? name : name + "{" + selector + "}";
    }

    private static Map<String, Map<Instant, Double>> byInstance(List<Series> series) {
        final Map<String, Map<Instant, Double>> out = new HashMap<>();
        for (Series s : series) {
            final String instance = s.labels().getOrDefault("instance", "");
            final Map<Instant, Double> points = out.computeIfAbsent(instance, i -> new HashMap<>());
            for (Point p : s.points()) {
                points.put(p.time(), p.value());
            }
        }
        return out;
    }

    private static Double at(Map<String, Map<Instant, Double>> m, String instance, Instant t) {
        final Map<Instant, Double> points = m.get(instance);
        return points == null ? null : points.get(t);
    }

    private static Double finite(Double v, double factor) {
        return v == null || !Double.isFinite(v) ? null : v * factor;
    }

    private static Long toLong(Double v) {
        return v == null || !Double.isFinite(v) ? null : Math.round(v);
    }

    private static Integer toInt(Double v) {
        return v == null || !Double.isFinite(v) ? null : (int) Math.round(Math.max(0, v));
    }
}
