package io.incidentcorrelator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.testsupport.IncidentExpectations;
import io.incidentcorrelator.testsupport.ScenarioCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bin/correlator} as a user runs it, on the packaged jar: exit codes, output files,
 * errors that name the file and line, and byte-identical output whatever the line order.
 */
class ReplayCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path LAUNCHER = Path.of("../bin/correlator").toAbsolutePath().normalize();

    record Result(int exitCode, String stdout, String stderr) {
    }

    static Result correlator(Path workDir, String... args) throws IOException, InterruptedException {
        return correlator(workDir, Map.of(), args);
    }

    /** With {@code env} added to the environment, as a user sets INCIDENT_CORRELATOR_* variables. */
    static Result correlator(Path workDir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        final Path out = Files.createTempFile(workDir, "stdout", ".txt");
        final Path err = Files.createTempFile(workDir, "stderr", ".txt");
        final ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        final Process p = builder.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("correlator " + String.join(" ", args) + " did not finish within 3 minutes");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void replayWritesTheIncidentsTheAcceptanceCheckExpects(@TempDir Path dir) throws Exception {
        final AcceptanceScenarios.Scenario scenario = AcceptanceScenarios.all().stream()
                .filter(s -> s.name().equals("kube-state-metrics-stagger")).findFirst().orElseThrow();
        final Path out = dir.resolve("incidents.jsonl");
        final Result r = correlator(dir, "replay", "--out", out.toString(), scenario.events().toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("", r.stdout(), "with --out nothing goes to stdout");
        assertEquals(List.of(), IncidentExpectations.problems(scenario.expected(), Files.readString(out)));

        // The shared acceptance tool itself, as the issue states the check, where python3 exists.
        final Path checker = Path.of("src/test/resources/check-incidents.py").toAbsolutePath();
        if (new ProcessBuilder("python3", "--version").start().waitFor() == 0) {
            final Process check = new ProcessBuilder("python3", checker.toString(), scenario.expected().toString(),
                    out.toString()).redirectErrorStream(true).start();
            final String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, check.waitFor(), said);
        }
    }

    @Test
    void theSameInputGivesByteIdenticalOutputWhateverTheLineOrder(@TempDir Path dir) throws Exception {
        final List<Path> bundled = AcceptanceScenarios.bundled();
        final List<String> inOrder = new ArrayList<>(List.of("replay", "--quiet", "--out", dir.resolve("a.jsonl").toString()));
        bundled.forEach(p -> inOrder.add(p.toString()));
        final Result first = correlator(dir, inOrder.toArray(String[]::new));
        assertEquals(0, first.exitCode(), first.stderr());

        // All lines of all files shuffled into two files given in the other order.
        final List<String> lines = new ArrayList<>();
        for (Path p : bundled) {
            lines.addAll(Files.readAllLines(p));
        }
        Collections.shuffle(lines, new Random(42));
        final Path partA = dir.resolve("shuffled-a.jsonl");
        final Path partB = dir.resolve("shuffled-b.jsonl");
        Files.write(partA, lines.subList(0, lines.size() / 2));
        Files.write(partB, lines.subList(lines.size() / 2, lines.size()));
        final Result second = correlator(dir, "replay", "--quiet", "--out", dir.resolve("b.jsonl").toString(),
                partB.toString(), partA.toString());
        assertEquals(0, second.exitCode(), second.stderr());

        final String a = Files.readString(dir.resolve("a.jsonl"));
        final String b = Files.readString(dir.resolve("b.jsonl"));
        assertFalse(a.isBlank());
        assertEquals(a, b, "byte-identical output for the same events in any order");
        assertEquals(7, a.lines().count());
    }

    /**
     * A night that ended half an hour ago (a {@code backfill} of last night) replays as the same
     * night a year ago does: its closing tick, 2 h 31 min past the last event, is ahead of the
     * broker's clock, which Kafka 4 brokers refuse by default for topics that do not allow it.
     */
    @Test
    void lastNightReplaysAsLastYearDoes(@TempDir Path dir) throws Exception {
        final AcceptanceScenarios.Scenario scenario = AcceptanceScenarios.all().stream()
                .filter(s -> s.name().equals("kube-state-metrics-stagger")).findFirst().orElseThrow();
        final String then = Files.readString(scenario.events());
        final Path lastNight = Files.writeString(dir.resolve("last-night.jsonl"), ScenarioCorpus.endingAgo(then, Duration.ofMinutes(30)));
        final Result old = correlator(dir, "replay", "--quiet", scenario.events().toString());
        final Result recent = correlator(dir, "replay", "--quiet", lastNight.toString());
        assertEquals(0, old.exitCode(), old.stderr());
        assertEquals(0, recent.exitCode(), recent.stderr());
        assertFalse(old.stdout().isBlank());
        assertEquals(outcomes(old.stdout()), outcomes(recent.stdout()));
    }

    /** Per incident what does not depend on when it happened: cluster, category, status, pods and restarts. */
    private static List<String> outcomes(String incidents) throws IOException {
        final List<String> out = new ArrayList<>();
        for (String line : incidents.lines().toList()) {
            final JsonNode i = JSON.readTree(line);
            out.add(i.get("cluster").asText() + " " + i.get("category").asText() + " " + i.get("status").asText() + " "
                    + i.get("transient").asBoolean() + " " + i.get("pods"));
        }
        Collections.sort(out);
        return out;
    }

    @Test
    void aMalformedLineStopsTheReplayNamingFileAndLineAndWritesNothing(@TempDir Path dir) throws Exception {
        final Path scenario = dir.resolve("night.jsonl");
        Files.writeString(scenario, String.join("\n",
                "# a night on ruapehu",
                "{\"topic\": \"inventory\", \"value\": {\"cluster\": \"prod\", \"node\": \"talos-cp-01\", \"host\": \"ruapehu\"}}",
                "{\"topic\": \"pod-restarts\", \"value\": {\"cluster\": \"prod\", \"namespace\": \"kube-system\", "
                        + "\"pod\": \"kube-scheduler-talos-cp-01\", \"container\": \"kube-scheduler\", \"restartCount\": 9}}",
                ""));
        final Path out = dir.resolve("incidents.jsonl");
        final Result r = correlator(dir, "replay", "--out", out.toString(), scenario.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains(scenario + ":3: pod-restarts value: missing required field \"finishedAt\""),
                r.stderr());
        assertFalse(Files.exists(out), "nothing half-written");

        final Result skipped = correlator(dir, "replay", "--skip-invalid", "--quiet", "--out", out.toString(),
                scenario.toString());
        assertEquals(0, skipped.exitCode(), skipped.stderr());
        assertTrue(skipped.stderr().contains("warning: " + scenario + ":3:"), skipped.stderr());
        assertEquals("", Files.readString(out), "no restart left, so no incident");
    }

    @Test
    void aMissingFileIsAUsageError(@TempDir Path dir) throws Exception {
        final Result r = correlator(dir, "replay", dir.resolve("nope.jsonl").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("nope.jsonl: no such file"), r.stderr());
    }

    @Test
    void demoPrintsTheTableOfIncidents(@TempDir Path dir) throws Exception {
        final Result r = correlator(dir, "demo");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("TIME (UTC)") && r.stdout().contains("CATEGORY"), r.stdout());
        assertTrue(r.stdout().contains("2026-02-27 12:10  monit    APP_CRASH             no"), r.stdout());
        assertTrue(r.stdout().contains("7 incidents, 4 transient"), r.stdout());
        assertTrue(r.stderr().contains("demo: ") && r.stderr().contains("records still to process")
                || r.stderr().contains("done:"), "progress while it runs: " + r.stderr());
    }
}
