package io.incidentcorrelator.collectors.backfill.internal;

import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.collectors.backfill.internal.PrometheusClient.Point;
import io.incidentcorrelator.collectors.backfill.internal.PrometheusClient.PrometheusException;
import io.incidentcorrelator.collectors.backfill.internal.PrometheusClient.Series;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import static io.incidentcorrelator.collectors.backfill.internal.EtcdFromPrometheus.metric;

/**
 * Pod restarts from kube-state-metrics series: every increase of
 * {@code kube_pod_container_status_restarts_total} between two steps is a restart, with the
 * reason, exit code and time from {@code …_last_terminated_reason/_exitcode/_timestamp} where
 * that kube-state-metrics version exports them, the waiting reason from
 * {@code …_waiting_reason}, and the node from {@code kube_pod_info}.
 *
 * <p>Limits: the first point of a series is only a baseline (earlier restarts have no time);
 * several restarts within one step share its reason and time; a drop of the counter (a new pod
 * with the same name) counts the new value as restarts since; no log excerpt is available.
 */
public final class RestartsFromPrometheus {

    private record Container(String namespace, String pod, String container) {
    }

    /** The counter went to {@code to} at {@code time}; restarts {@code from..to} happened in the step before. */
    private record Increase(Instant time, int from, int to) {
    }

    private final PrometheusClient prometheus;
    private final String cluster;
    private final String selector;
    private final Consumer<String> notes;

    public RestartsFromPrometheus(PrometheusClient prometheus, String cluster, String selector, Consumer<String> notes) {
        this.prometheus = prometheus;
        this.cluster = cluster;
        this.selector = selector;
        this.notes = notes;
    }

    public List<PodRestart> read(Instant since, Instant until, Duration step)
            throws PrometheusException, InterruptedException {
        final String byContainer = "max by (namespace, pod, container) (";
        final String byContainerReason = "max by (namespace, pod, container, reason) (";
        final List<Series> counts = prometheus.queryRange(
                byContainer + metric("kube_pod_container_status_restarts_total", selector) + ")", since, until, step);
        if (counts.isEmpty()) {
            notes.accept("restarts: Prometheus has no kube_pod_container_status_restarts_total"
                    + (selector.isEmpty() ? "" : " for {" + selector + "}") + " between " + since + " and " + until);
            return List.of();
        }
        // Restarts first: the other series are only worth fetching when something restarted.
        final Map<Container, List<Increase>> increases = new TreeMap<>(Comparator.comparing(Container::namespace)
                .thenComparing(Container::pod).thenComparing(Container::container));
        for (Series s : counts) {
            final List<Point> points = s.points();
            for (int i = 1; i < points.size(); i++) {
                final double before = points.get(i - 1).value();
                final double now = points.get(i).value();
                if (!Double.isFinite(before) || !Double.isFinite(now) || now == before || now <= 0) {
                    continue;
                }
                // A drop is a new pod with the same name: its count is the restarts since.
                final int from = now > before ? (int) Math.round(before) + 1 : 1;
                increases.computeIfAbsent(container(s), c -> new ArrayList<>())
                        .add(new Increase(points.get(i).time(), from, (int) Math.round(now)));
            }
        }
        if (increases.isEmpty()) {
            return List.of();
        }
        final Map<Container, List<Series>> reasons = byContainer(prometheus.queryRange(byContainerReason
                + metric("kube_pod_container_status_last_terminated_reason", selector) + ")", since, until, step));
        final Map<Container, List<Series>> exitCodes = byContainer(prometheus.queryRange(byContainer
                + metric("kube_pod_container_status_last_terminated_exitcode", selector) + ")", since, until, step));
        final Map<Container, List<Series>> finished = byContainer(prometheus.queryRange(byContainer
                + metric("kube_pod_container_status_last_terminated_timestamp", selector) + ")", since, until, step));
        final Map<Container, List<Series>> waiting = byContainer(prometheus.queryRange(byContainerReason
                + metric("kube_pod_container_status_waiting_reason", selector) + ")", since, until, step));
        final Map<List<String>, List<Series>> podNodes = new HashMap<>();
        for (Series s : prometheus.queryRange("max by (namespace, pod, node) (" + metric("kube_pod_info", selector) + ")",
                since, until, step)) {
            podNodes.computeIfAbsent(List.of(s.labels().getOrDefault("namespace", ""), s.labels().getOrDefault("pod", "")),
                    k -> new ArrayList<>()).add(s);
        }

        final Duration tolerance = step.multipliedBy(2);
        final List<PodRestart> out = new ArrayList<>();
        int withoutReason = 0;
        for (Map.Entry<Container, List<Increase>> e : increases.entrySet()) {
            final Container c = e.getKey();
            for (Increase inc : e.getValue()) {
                final Instant t = inc.time();
                final String reason = labelWhereOne(reasons.get(c), t, tolerance);
                final Double exit = valueNear(exitCodes.get(c), t, tolerance);
                final Double finishedEpoch = valueNear(finished.get(c), t, tolerance);
                Instant finishedAt = t;
                if (finishedEpoch != null && Double.isFinite(finishedEpoch) && finishedEpoch > 0) {
                    final Instant reported = Instant.ofEpochMilli(Math.round(finishedEpoch * 1000));
                    // Only trust it when it falls into this step; otherwise it belongs to another restart.
                    if (!reported.isAfter(t) && reported.isAfter(t.minus(step).minus(step))) {
                        finishedAt = reported;
                    }
                }
                if (reason == null) {
                    withoutReason++;
                }
                final String node = nodeAt(podNodes.get(List.of(c.namespace(), c.pod())), t, tolerance);
                final String waitingReason = labelWhereOne(waiting.get(c), t, tolerance);
                for (int count = inc.from(); count <= inc.to(); count++) {
                    out.add(PodRestart.newBuilder()
                            .setCluster(cluster)
                            .setNamespace(c.namespace())
                            .setPod(c.pod())
                            .setContainer(c.container())
                            .setNode(node)
                            .setRestartCount(count)
                            .setTerminatedReason(reason)
                            .setExitCode(exit == null || !Double.isFinite(exit) ? null : (int) Math.round(exit))
                            .setFinishedAt(finishedAt)
                            .setWaitingReason(waitingReason)
                            .setMessage(null)
                            .build());
                }
            }
        }
        if (withoutReason > 0) {
            notes.accept("restarts: " + withoutReason + " restart(s) without kube_pod_container_status_last_terminated_reason");
        }
        return out;
    }

    private static Container container(Series s) {
        return new Container(s.labels().getOrDefault("namespace", ""), s.labels().getOrDefault("pod", ""),
                s.labels().getOrDefault("container", ""));
    }

    private static Map<Container, List<Series>> byContainer(List<Series> series) {
        final Map<Container, List<Series>> out = new HashMap<>();
        series.forEach(s -> out.computeIfAbsent(container(s), c -> new ArrayList<>()).add(s));
        return out;
    }

    /** The {@code reason} label of the series that is 1 at {@code t} (or the nearest point after it). */
    private static String labelWhereOne(List<Series> series, Instant t, Duration tolerance) {
        if (series == null) {
            return null;
        }
        for (Series s : series) {
            final Double v = valueNear(List.of(s), t, tolerance);
            if (v != null && v >= 1.0) {
                return s.labels().get("reason");
            }
        }
        return null;
    }

    private static String nodeAt(List<Series> series, Instant t, Duration tolerance) {
        if (series == null) {
            return null;
        }
        for (Series s : series) {
            if (valueNear(List.of(s), t, tolerance) != null && s.labels().get("node") != null
                    && !s.labels().get("node").isEmpty()) {
                return s.labels().get("node");
            }
        }
        return null;
    }

    /**
     * The value at {@code t}, else the first point after it within {@code tolerance}
     * (kube-state-metrics may be scraped a moment after the counter moved).
     */
    private static Double valueNear(List<Series> series, Instant t, Duration tolerance) {
        if (series == null) {
            return null;
        }
        Double best = null;
        Instant bestTime = null;
        for (Series s : series) {
            for (Point p : s.points()) {
                if (!p.time().isBefore(t) && !p.time().isAfter(t.plus(tolerance))
                        && (bestTime == null || p.time().isBefore(bestTime))) {
                    best = p.value();
                    bestTime = p.time();
                }
            }
        }
        return best;
    }
}
