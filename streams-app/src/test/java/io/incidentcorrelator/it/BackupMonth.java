package io.incidentcorrelator.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.incidentcorrelator.classify.Events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A generated month of the homelab in the scenario format: three nightly jobs into the PBS host
 * pihanga, staggered as the runbooks advised (hikurangi 02:00, ruapehu 02:20, pihanga 02:45),
 * with durations that make them overlap on known nights, ruapehu's job aborting twice and
 * pihanga's skipping Saturday evenings; and restarts placed inside overlaps, single runs and
 * cool-downs, plus one real crash. The file is in event-time order, tables first, as collectors send it. The backup phases carry no target host: it comes from the
 * storage location, as with the Proxmox task list. What was generated is kept, so the test can
 * compute what the report must say.
 */
final class BackupMonth {

    static final LocalDate FIRST_NIGHT = LocalDate.of(2026, 2, 1);
    static final int NIGHTS = 28;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(String host, int night, Instant start, Instant end, boolean aborted) {
    }

    /** One pod restarting {@code times} times a minute apart from {@code first}. */
    record Restarts(String cluster, String namespace, String pod, String node, Instant first, int times, boolean crash) {
    }

    final List<Run> runs = new ArrayList<>();
    final List<Restarts> restarts = new ArrayList<>();
    /** Scenario lines with their event time (tables at the epoch: they come first). */
    private final List<Map.Entry<Instant, String>> lines = new ArrayList<>();

    BackupMonth() {
        inventory("prod", "talos-cp-01", "ruapehu", 201, "control-plane");
        inventory("prod", "talos-worker-01", "ruapehu", 211, "worker");
        inventory("monit", "talos-monitor", "pihanga", 301, "control-plane");
        inventory("agentic", "agentic-01", "hikurangi", 401, "control-plane");
        line("storage-locations", JSON.createObjectNode().put("storage", "pbs-main").put("host", "pihanga"));
        for (int k = 0; k < NIGHTS; k++) {
            final LocalDate evening = FIRST_NIGHT.plusDays(k);
            job("hikurangi", k, at(evening, 2, 0), Duration.ofMinutes(18 + (k % 5) * 2), false);
            job("ruapehu", k, at(evening, 2, 20 + k % 3), Duration.ofMinutes(25 + (k % 7) * 3), k == 10 || k == 20);
            if (evening.getDayOfWeek() != DayOfWeek.SATURDAY) {
                job("pihanga", k, at(evening, 2, 45), Duration.ofMinutes(30 + (k % 4) * 10), false);
            }
            switch (k % 4) {
                case 0 -> restart("prod", "mayastor", "mayastor-localpv-provisioner-5d8b7c9f6-h4tqp", "talos-worker-01",
                        at(evening, 2, 50), 2, false);
                case 1 -> restart("monit", "monitoring", "kube-state-metrics-7d9c6b8f5-x2x8q", "talos-monitor",
                        at(evening, 3, 0), 1, false);
                case 2 -> restart("agentic", "kube-system", "kube-scheduler-agentic-01", "agentic-01",
                        at(evening, 2, 10), 1, false);
                default -> restart("prod", "kube-system", "kube-scheduler-talos-cp-01", "talos-cp-01",
                        endOf("ruapehu", k).plus(Duration.ofMinutes(15)), 1, false);
            }
        }
        restart("prod", "apps", "api-5f7c9d8b6-abcde", "talos-worker-01", at(FIRST_NIGHT.plusDays(5), 12, 0), 3,
                true);
    }

    /** {@code hh:mm} on the morning after {@code evening} (hh < 12) or on the evening itself. */
    static Instant at(LocalDate evening, int hh, int mm) {
        final LocalDate day = hh < 12 ? evening.plusDays(1) : evening;
        return day.atStartOfDay(ZoneOffset.UTC).toInstant().plus(Duration.ofMinutes((hh % 24) * 60L + mm));
    }

    private Instant endOf(String host, int night) {
        return runs.stream().filter(r -> r.night() == night && r.host().equals(host)).map(Run::end).findFirst()
                .orElseThrow();
    }

    private void inventory(String cluster, String node, String host, int vmid, String role) {
        line("inventory", JSON.createObjectNode().put("cluster", cluster).put("node", node).put("host", host)
                .put("vmid", vmid).put("role", role));
    }

    private void job(String host, int night, Instant start, Duration length, boolean abort) {
        final Instant end = start.plus(length);
        runs.add(new Run(host, night, start, end, abort));
        line("backup-events", phase(host, "JOB_START", start).put("upid", upid(host, start)));
        line("backup-events", phase(host, abort ? "JOB_ABORT" : "JOB_END", end).put("upid", upid(host, start))
                .put("status", abort ? "interrupted by signal" : "ok"));
    }

    private static ObjectNode phase(String host, String phase, Instant t) {
        return JSON.createObjectNode().put("host", host).put("phase", phase).put("jobId", "backup-nightly")
                .put("storage", "pbs-main").put("time", t.toString());
    }

    private static String upid(String host, Instant start) {
        return String.format("UPID:%s:0000%X:vzdump::root@pam:", host, start.getEpochSecond());
    }

    private void restart(String cluster, String namespace, String pod, String node, Instant first, int times,
                         boolean crash) {
        restarts.add(new Restarts(cluster, namespace, pod, node, first, times, crash));
        for (int i = 0; i < times; i++) {
            line("pod-restarts", JSON.createObjectNode().put("cluster", cluster).put("namespace", namespace)
                    .put("pod", pod).put("container", pod.replaceAll("-[0-9a-f]{8,10}-[a-z0-9]{5}$|-(talos|agentic).*$", ""))
                    .put("node", node).put("restartCount", 10 + i).put("terminatedReason", "Error")
                    .put("exitCode", crash ? 2 : 1).put("finishedAt", first.plus(Duration.ofMinutes(i)).toString())
                    .put("waitingReason", "CrashLoopBackOff")
                    .put("message", crash ? Events.PANIC : Events.LEADER_LOST_LOCAL));
        }
    }

    private void line(String topic, ObjectNode value) {
        final ObjectNode line = JSON.createObjectNode().put("topic", topic);
        line.set("value", value);
        final String time = value.has("time") ? value.get("time").asText()
                : value.has("finishedAt") ? value.get("finishedAt").asText() : null;
        lines.add(Map.entry(time == null ? Instant.EPOCH : Instant.parse(time), line.toString()));
    }

    Path write(Path dir) {
        try {
            // In event-time order, as the collectors send them.
            return Files.write(dir.resolve("month.jsonl"), lines.stream()
                    .sorted(Map.Entry.comparingByKey()).map(Map.Entry::getValue).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
