package io.incidentcorrelator.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.avro.Severity;
import io.incidentcorrelator.replay.IncidentJsonWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The matcher against outputs of {@code check-incidents.py} recorded by hand, and, where python3 is
 * installed, against the script itself (the copy in the test resources).
 */
class IncidentExpectationsTest {

    /** A scenario's expected outcome (a bundled one by name, or inline JSON), incidents, and what the script printed. */
    record Case(String name, String expected, String incidents, List<String> problems) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String TWO_SAME_EXPECTED = """
            {"incidents": [
              {"cluster": "prod", "category": "OOM_KILLED", "pods": ["loki-0"], "note": "ünïcode", "weight": 1.5e-7},
              {"cluster": "prod", "category": "OOM_KILLED", "pods": ["loki-0"], "note": "ünïcode", "weight": 1e16}
            ]}
            """;

    static final List<Case> CASES = List.of(
            new Case("pass, newest revision counts wherever it is", "backup-window-scheduler", """
                    {"id":"prod-1","revision":1,"status":"OPEN","category":"APP_CRASH","transient":false,"cluster":"prod","pods":[{"namespace":"kube-system","pod":"kube-scheduler-talos-cp-01","container":"kube-scheduler","restarts":1}],"windowStart":"2026-02-26T02:23:12Z"}
                    {"id":"monit-1","revision":2,"status":"UPDATED","category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"monit","pods":[{"pod":"kube-scheduler-talos-monitor"},{"pod":"kube-controller-manager-talos-monitor"},{"pod":"other"}],"windowStart":"2026-02-26T03:01:05Z"}

                    {"id":"prod-1","revision":2,"status":"UPDATED","category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"prod","pods":[{"pod":"kube-scheduler-talos-cp-01"},{"pod":"kube-controller-manager-talos-cp-01"}],"windowStart":"2026-02-26T02:23:12Z"}
                    """, List.of()),
            new Case("missing pod", "backup-window-scheduler", """
                    {"id":"prod-1","revision":2,"category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"prod","pods":[{"pod":"kube-scheduler-talos-cp-01"},{"pod":"kube-controller-manager-talos-cp-01"}],"windowStart":"2026-02-26T02:23:12Z"}
                    {"id":"monit-1","revision":1,"category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"monit","pods":[{"pod":"kube-scheduler-talos-monitor"}],"windowStart":"2026-02-26T03:01:05Z"}
                    """, List.of(
                    "missing: {\"cluster\": \"monit\", \"category\": \"BACKUP_IO_CONTENTION\", \"pods\": [\"kube-scheduler-talos-monitor\", \"kube-controller-manager-talos-monitor\"], \"transient\": true}",
                    "unexpected: {\"id\": \"monit-1\", \"cluster\": \"monit\", \"category\": \"BACKUP_IO_CONTENTION\", \"transient\": true, \"windowStart\": \"2026-02-26T03:01:05Z\", \"pods\": [\"kube-scheduler-talos-monitor\"]}")),
            new Case("unexpected incidents, bare pod names, no id", "backup-window-scheduler", """
                    {"id":"prod-1","revision":2,"category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"prod","pods":[{"pod":"kube-scheduler-talos-cp-01"},{"pod":"kube-controller-manager-talos-cp-01"}],"windowStart":"2026-02-26T02:23:12Z"}
                    {"id":"monit-1","revision":1,"category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"monit","pods":[{"pod":"kube-scheduler-talos-monitor"},{"pod":"kube-controller-manager-talos-monitor"}],"windowStart":"2026-02-26T03:01:05Z"}
                    {"id":"monit-2","revision":1,"category":"ETCD_DISK_LATENCY","transient":false,"cluster":"monit","pods":[{"pod":"zz-etcd"},{"pod":"Ämter-pod"},{"pod":"etcd-talos-monitor"}],"windowStart":"2026-02-26T04:00:00Z"}
                    {"revision":1,"category":"APP_CRASH","cluster":"prod","pods":["bare-name"]}
                    """, List.of(
                    "unexpected: {\"id\": \"monit-2\", \"cluster\": \"monit\", \"category\": \"ETCD_DISK_LATENCY\", \"transient\": false, \"windowStart\": \"2026-02-26T04:00:00Z\", \"pods\": [\"etcd-talos-monitor\", \"zz-etcd\", \"\\u00c4mter-pod\"]}",
                    "unexpected: {\"id\": null, \"cluster\": \"prod\", \"category\": \"APP_CRASH\", \"transient\": null, \"windowStart\": null, \"pods\": [\"bare-name\"]}")),
            new Case("transient mismatch", "backup-window-scheduler", """
                    {"id":"prod-1","revision":3,"category":"BACKUP_IO_CONTENTION","transient":false,"cluster":"prod","pods":[{"pod":"kube-scheduler-talos-cp-01"},{"pod":"kube-controller-manager-talos-cp-01"}],"windowStart":"2026-02-26T02:23:12Z"}
                    {"id":"monit-1","revision":1,"category":"BACKUP_IO_CONTENTION","cluster":"monit","pods":[{"pod":"kube-scheduler-talos-monitor"},{"pod":"kube-controller-manager-talos-monitor"}],"windowStart":"2026-02-26T03:01:05Z"}
                    """, List.of(
                    "missing: {\"cluster\": \"prod\", \"category\": \"BACKUP_IO_CONTENTION\", \"pods\": [\"kube-scheduler-talos-cp-01\", \"kube-controller-manager-talos-cp-01\"], \"transient\": true}",
                    "missing: {\"cluster\": \"monit\", \"category\": \"BACKUP_IO_CONTENTION\", \"pods\": [\"kube-scheduler-talos-monitor\", \"kube-controller-manager-talos-monitor\"], \"transient\": true}",
                    "unexpected: {\"id\": \"prod-1\", \"cluster\": \"prod\", \"category\": \"BACKUP_IO_CONTENTION\", \"transient\": false, \"windowStart\": \"2026-02-26T02:23:12Z\", \"pods\": [\"kube-controller-manager-talos-cp-01\", \"kube-scheduler-talos-cp-01\"]}",
                    "unexpected: {\"id\": \"monit-1\", \"cluster\": \"monit\", \"category\": \"BACKUP_IO_CONTENTION\", \"transient\": null, \"windowStart\": \"2026-02-26T03:01:05Z\", \"pods\": [\"kube-controller-manager-talos-monitor\", \"kube-scheduler-talos-monitor\"]}")),
            new Case("same revision twice: the later line wins", "backup-window-scheduler", """
                    {"id":"x","revision":1,"category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"prod","pods":[{"pod":"kube-scheduler-talos-cp-01"},{"pod":"kube-controller-manager-talos-cp-01"}]}
                    {"id":"x","revision":1,"category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"monit","pods":[{"pod":"kube-scheduler-talos-monitor"},{"pod":"kube-controller-manager-talos-monitor"}]}
                    """, List.of(
                    "missing: {\"cluster\": \"prod\", \"category\": \"BACKUP_IO_CONTENTION\", \"pods\": [\"kube-scheduler-talos-cp-01\", \"kube-controller-manager-talos-cp-01\"], \"transient\": true}")),
            new Case("window start after windowStartNotAfter", "kube-state-metrics-stagger", """
                    {"id":"monit-a","revision":1,"category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"monit","pods":[{"pod":"kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q"}],"windowStart":"2026-02-27T03:30:00.001Z"}
                    {"id":"monit-b","revision":1,"category":"APP_CRASH","transient":false,"cluster":"monit","pods":[{"pod":"kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q"}],"windowStart":1772190000000}
                    """, List.of(
                    "missing: {\"cluster\": \"monit\", \"category\": \"BACKUP_IO_CONTENTION\", \"pods\": [\"kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q\"], \"transient\": true, \"windowStartNotAfter\": \"2026-02-27T03:30:00Z\"}",
                    "unexpected: {\"id\": \"monit-a\", \"cluster\": \"monit\", \"category\": \"BACKUP_IO_CONTENTION\", \"transient\": true, \"windowStart\": \"2026-02-27T03:30:00.001Z\", \"pods\": [\"kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q\"]}")),
            new Case("window starts exactly on both bounds", "kube-state-metrics-stagger", """
                    {"id":"monit-a","revision":1,"category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"monit","pods":[{"pod":"kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q"}],"windowStart":"2026-02-27T03:30:00Z"}
                    {"id":"monit-b","revision":1,"category":"APP_CRASH","transient":false,"cluster":"monit","pods":[{"pod":"kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q"}],"windowStart":1772190000000}
                    """, List.of()),
            new Case("window start before windowStartNotBefore", "kube-state-metrics-stagger", """
                    {"id":"monit-a","revision":1,"category":"BACKUP_IO_CONTENTION","transient":true,"cluster":"monit","pods":[{"pod":"kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q"}],"windowStart":"2026-02-27T02:50:07Z"}
                    {"id":"monit-b","revision":1,"category":"APP_CRASH","transient":false,"cluster":"monit","pods":[{"pod":"kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q"}],"windowStart":"2026-02-27T10:59:59Z"}
                    """, List.of(
                    "missing: {\"cluster\": \"monit\", \"category\": \"APP_CRASH\", \"pods\": [\"kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q\"], \"transient\": false, \"windowStartNotBefore\": \"2026-02-27T11:00:00Z\"}",
                    "unexpected: {\"id\": \"monit-b\", \"cluster\": \"monit\", \"category\": \"APP_CRASH\", \"transient\": false, \"windowStart\": \"2026-02-27T10:59:59Z\", \"pods\": [\"kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q\"]}")),
            new Case("each expected incident needs its own incident", TWO_SAME_EXPECTED, """
                    {"id":"a","revision":1,"category":"OOM_KILLED","cluster":"prod","pods":[{"pod":"loki-0"}]}
                    {"id":"b","revision":5,"category":"OOM_KILLED","cluster":"prod","pods":[{"pod":"loki-1"}]}
                    {"id":"b","revision":4,"category":"OOM_KILLED","cluster":"prod","pods":[{"pod":"loki-0"}]}
                    """, List.of(
                    "missing: {\"cluster\": \"prod\", \"category\": \"OOM_KILLED\", \"pods\": [\"loki-0\"], \"note\": \"\\u00fcn\\u00efcode\", \"weight\": 1e+16}",
                    "unexpected: {\"id\": \"b\", \"cluster\": \"prod\", \"category\": \"OOM_KILLED\", \"transient\": null, \"windowStart\": null, \"pods\": [\"loki-1\"]}")));

    @ParameterizedTest
    @FieldSource("CASES")
    void reportsWhatTheScriptReports(Case c, @TempDir Path dir) throws IOException {
        assertEquals(c.problems(), IncidentExpectations.problems(expectedFile(c, dir), c.incidents()));
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void parsedIncidentsGiveTheSameAnswer(Case c, @TempDir Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> incidents = new ArrayList<>();
        for (String line : c.incidents().split("\n")) {
            if (!line.isBlank()) {
                incidents.add(json.readTree(line));
            }
        }
        // Only the incident without id is told apart by its line number, and it stays unexpected either way.
        assertEquals(c.problems(), IncidentExpectations.problems(expectedFile(c, dir), incidents));
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void agreesWithThePythonScript(Case c, @TempDir Path dir) throws Exception {
        assumeTrue(python3Available(), "python3 not installed");
        Path script = Path.of(IncidentExpectationsTest.class.getResource("/check-incidents.py").toURI());
        Path expected = expectedFile(c, dir);
        Path incidents = Files.writeString(dir.resolve("incidents.jsonl"), c.incidents());

        Process p = new ProcessBuilder("python3", script.toString(), expected.toString(), incidents.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        List<String> lines = new ArrayList<>(out.lines().toList());
        lines.remove(lines.size() - 1); // "N/M expected incidents matched, K unexpected"

        assertEquals(lines, IncidentExpectations.problems(expected, c.incidents()));
        assertEquals(lines.isEmpty() ? 0 : 1, p.exitValue());
    }

    @Test
    void incidentsWrittenByTheWriterPass() throws IOException {
        StringBuilder out = new StringBuilder();
        out.append(IncidentJsonWriter.toLine(incident("loki", IncidentCategory.OOM_KILLED, false, "monitoring", "loki-0"))).append('\n');
        out.append(IncidentJsonWriter.toLine(incident("grafana", IncidentCategory.BACKUP_IO_CONTENTION, true, "monitoring",
                "kube-prometheus-stack-grafana-5f7b9c-abcde"))).append('\n');
        Incident jellyfin = incident("jellyfin", IncidentCategory.IMAGE_PULL_FAILURE, false, "media", "jellyfin-6c8d9-qwert");
        jellyfin.setCluster("prod");
        out.append(IncidentJsonWriter.toLine(jellyfin)).append('\n');

        assertEquals(List.of(), IncidentExpectations.problems(IncidentExpectations.expectedFor("oom-and-pull-failures"),
                out.toString()));
    }

    @Test
    void aWrongIncidentFails() throws IOException {
        Incident loki = incident("loki", IncidentCategory.APP_CRASH, false, "monitoring", "loki-0"); // not OOM_KILLED
        Incident grafana = incident("grafana", IncidentCategory.BACKUP_IO_CONTENTION, true, "monitoring",
                "kube-prometheus-stack-grafana-5f7b9c-abcde");
        Incident jellyfin = incident("jellyfin", IncidentCategory.IMAGE_PULL_FAILURE, false, "media", "jellyfin-6c8d9-qwert");
        jellyfin.setCluster("prod");
        String lines = IncidentJsonWriter.toLine(loki) + "\n" + IncidentJsonWriter.toLine(grafana) + "\n"
                + IncidentJsonWriter.toLine(jellyfin) + "\n";

        List<String> problems = IncidentExpectations.problems(IncidentExpectations.expectedFor("oom-and-pull-failures"),
                lines);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("missing: {\"cluster\": \"monit\", \"category\": \"OOM_KILLED\""),
                problems.get(0));
        assertEquals("unexpected: {\"id\": \"loki\", \"cluster\": \"monit\", \"category\": \"APP_CRASH\", "
                + "\"transient\": false, \"windowStart\": \"2026-03-02T02:52:00Z\", \"pods\": [\"loki-0\"]}",
                problems.get(1));
    }

    @Test
    void brokenLineIsReportedAlone() {
        List<String> problems = IncidentExpectations.problems(
                IncidentExpectations.expectedFor("oom-and-pull-failures"), "\n{\"id\": 1}\n{nope\n");

        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("line 3: not JSON: "), problems.get(0));
    }

    private static Incident incident(String id, IncidentCategory category, boolean isTransient, String namespace, String pod) {
        return Incident.newBuilder()
                .setId(id).setRevision(1).setStatus(IncidentStatus.OPEN).setCategory(category)
                .setTransient$(isTransient).setSeverity(Severity.WARNING).setConfidence(0.9).setCluster("monit")
                .setHosts(List.of("pihanga"))
                .setPods(List.of(new PodSummary(namespace, pod, "c", null, 1, null, null)))
                .setWindowStart(Instant.parse("2026-03-02T02:52:00Z")).setWindowEnd(Instant.parse("2026-03-02T03:05:00Z"))
                .setEvidence(List.of()).setContributingFactors(List.of())
                .setSummary("s").setRecommendedActions(List.of()).setClassifierVersion("test")
                .build();
    }

    private static Path expectedFile(Case c, Path dir) throws IOException {
        if (c.expected().startsWith("{")) {
            return Files.writeString(dir.resolve("case.expected.json"), c.expected());
        }
        return IncidentExpectations.expectedFor(c.expected());
    }

    private static Boolean python3;

    private static synchronized boolean python3Available() {
        if (python3 == null) {
            try {
                Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                python3 = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException | InterruptedException e) {
                python3 = false;
            }
        }
        return python3;
    }
}
