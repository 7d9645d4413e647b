package io.incidentcorrelator.cli;

import io.incidentcorrelator.testsupport.CorrelatorProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input through the packaged launcher ({@code bin/correlator} on target/lib, one process per
 * case): one line naming the problem and where, a non-zero exit, no broker started and nothing
 * written.
 */
class BadInputIT {

    private static final Path LOGS = CorrelatorProcess.logDir("BadInputIT");

    @TempDir
    Path work;

    @AfterEach
    void cleanUp() {
        CorrelatorProcess.killAll();
    }

    /** A pod restart at {@code time}, as the contract has it. */
    static String restartLine(String time) {
        return "{\"topic\": \"pod-restarts\", \"value\": {\"cluster\": \"prod\", \"namespace\": \"db\", \"pod\": \"pg-0\", "
                + "\"container\": \"pg\", \"node\": \"talos-worker-01\", \"restartCount\": 1, \"terminatedReason\": "
                + "\"Error\", \"exitCode\": 1, \"finishedAt\": \"" + time + "\"}}";
    }

    /** The exit code and the whole output of {@code bin/correlator args...}. */
    record Result(int exit, String output) {
        /** The lines that are not JVM or logger noise. */
        List<String> lines() {
            return output.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private Result correlator(String name, String... args) throws IOException {
        return correlator(name, Map.of(), args);
    }

    private Result correlator(String name, Map<String, String> env, String... args) throws IOException {
        final CorrelatorProcess p = CorrelatorProcess.startPackaged(name, LOGS, env, args);
        final int exit = p.await(60);
        return new Result(exit, Files.readString(p.log()));
    }

    /** One line, naming {@code what}; exit 2; no broker was started. */
    private static void oneLine(Result r, String... what) {
        assertEquals(2, r.exit(), r.output());
        assertEquals(1, r.lines().size(), "one line: " + r.output());
        for (String w : what) {
            assertTrue(r.output().contains(w), "names " + w + ": " + r.output());
        }
        assertFalse(r.output().contains("EmbeddedKafkaBroker"), "no broker started: " + r.output());
    }

    @Test
    void scenarioTimesKafkaWouldRejectAreFileLineErrorsBeforeAnyBrokerStarts() throws Exception {
        final Path ahead = work.resolve("ahead.jsonl");
        final String future = Instant.now().plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS).toString();
        Files.writeString(ahead, restartLine("2026-03-05T19:52:11Z") + "\n" + restartLine(future) + "\n");
        oneLine(correlator("ahead", "replay", ahead.toString()), ahead + ":2: ", "ahead of this machine's clock",
                "Kafka brokers reject records more than 1 h ahead", future);

        final Path soon = work.resolve("soon.jsonl");
        final String inHalfAnHour = Instant.now().plus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.SECONDS).toString();
        Files.writeString(soon, restartLine(inHalfAnHour) + "\n");
        oneLine(correlator("soon", "replay", soon.toString()), soon + ":1: ", "more than 15 min ahead", inHalfAnHour);

        final Path before1970 = work.resolve("before-1970.jsonl");
        Files.writeString(before1970, "# a comment\n" + restartLine("1969-12-31T23:59:59Z") + "\n");
        oneLine(correlator("before-1970", "replay", before1970.toString()), before1970 + ":2: ", "before 2000",
                "before 1970");

        final Path empty = work.resolve("empty.jsonl");
        Files.writeString(empty, "");
        oneLine(correlator("empty", "replay", empty.toString()), empty + ": no events", "empty");
    }

    @Test
    void outNamingADirectoryFailsBeforeTheReplayAndAWrittenFileHasTheUsualUmask() throws Exception {
        final Path scenario = work.resolve("one.jsonl");
        Files.writeString(scenario, restartLine("2026-03-05T19:52:11Z") + "\n");
        final Path dir = Files.createDirectories(work.resolve("out"));
        oneLine(correlator("out-dir", "replay", scenario.toString(), "--out", dir.toString()), "--out " + dir,
                "is a directory");
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "nothing written");
        }

        final Path out = dir.resolve("incidents.jsonl");
        final Result ok = correlator("out-file", "replay", "-q", scenario.toString(), "--out", out.toString());
        assertEquals(0, ok.exit(), ok.output());
        assertTrue(Files.readString(out).contains("\"category\""), "the incident is written");
        // The launcher's shell has the usual umask (022 here): the file is rw-r--r--, not rw-------.
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(out), left.toList(), "no temporary file left");
        }
    }

    @Test
    void aBadConfigurationIsOneLineNamingTheProblemAndNothingIsWritten() throws Exception {
        final Path state = work.resolve("state");
        final Path missing = work.resolve("missing.properties");
        oneLine(correlator("config-missing", "run", "--embedded", "--state-dir", state.toString(),
                "--config", missing.toString()), missing.toString(), "does not exist");

        oneLine(correlator("config-dir", "run", "--embedded", "--state-dir", state.toString(),
                "--config", work.toString()), work.toString(), "cannot read");

        final Path unknown = work.resolve("unknown.properties");
        Files.writeString(unknown, "incident-correlator.groupin-gap=30m\n");
        oneLine(correlator("config-unknown", "run", "--embedded", "--state-dir", state.toString(),
                "--config", unknown.toString()), "unknown setting incident-correlator.groupin-gap");

        final Path noToken = work.resolve("no-such-token");
        oneLine(correlator("token-missing", "collect", "proxmox-memory", "--proxmox-url", "https://127.0.0.1:1",
                "--token-id", "root@pam!correlator", "--token-secret-file", noToken.toString(),
                "--bootstrap-servers", "127.0.0.1:1", "--schema-registry-url", "http://127.0.0.1:1"), noToken.toString());

        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final String port = String.valueOf(busy.getLocalPort());
            oneLine(correlator("health-port-busy", "run", "--embedded", "--state-dir", state.toString(),
                    "--health-port", port), "health", port, "in use");
            oneLine(correlator("web-port-busy", "run", "--embedded", "--state-dir", state.toString(),
                    "--port", port), "web view", port, "in use");
            oneLine(correlator("hook-port-busy", "collect", "proxmox-hook", "--print", "--once",
                    "--hook-listen", "127.0.0.1:" + port), "vzdump hook endpoint", port, "--hook-listen", "in use");
        }
        assertFalse(Files.exists(state), "nothing written");
    }

    @Test
    void aMistypedVariableOrABadValueInTheEnvironmentIsOneLineNamingTheSetting() throws Exception {
        final Path scenario = work.resolve("scenario.jsonl");
        Files.writeString(scenario, restartLine("2026-03-05T19:52:11Z") + "\n");
        final Path before = work.resolve("before.jsonl");
        Files.writeString(before, "");
        // Ignored, this would replay with the default cool-down and report "No differences".
        oneLine(correlator("env-typo", Map.of("INCIDENT_CORRELATOR_BACKUP_COOLDOWN", "10m"),
                "replay", scenario.toString(), "--compare", before.toString()),
                "INCIDENT_CORRELATOR_BACKUP_COOLDOWN", "did you mean INCIDENT_CORRELATOR_BACKUP_COOL_DOWN");

        oneLine(correlator("env-fraction", Map.of("INCIDENT_CORRELATOR_ETCD_SLOW_APPLIES", "1.5"),
                "replay", scenario.toString(), "--compare", before.toString()),
                "incident-correlator.etcd.slow-applies", "INCIDENT_CORRELATOR_ETCD_SLOW_APPLIES", "\"1.5\"",
                "a whole number");
    }
}
