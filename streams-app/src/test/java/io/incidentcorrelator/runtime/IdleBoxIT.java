package io.incidentcorrelator.runtime;

import io.incidentcorrelator.testsupport.HttpAwait;

import io.incidentcorrelator.testsupport.CorrelatorProcess;
import io.incidentcorrelator.testsupport.RestartableBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The always-on box with nothing to do commits nothing: {@code bin/correlator run --embedded --data-dir} (the packaged
 * launcher) with no input, once its input partitions count as idle ({@code idle-after}), makes no stream-thread
 * commit, i.e. no Kafka transaction, as {@code kafka_streams_commits_total} on its {@code /metrics} shows. Before,
 * its wall-clock punctuations made it commit a few transactions a second, most of its idle CPU
 * (docs/performance.md, "The always-on box").
 */
class IdleBoxIT {

    private static final Duration IDLE_AFTER = Duration.ofSeconds(2);

    @Test
    void anIdleBoxCommitsNoTransactions(@TempDir Path work) throws Exception {
        final int healthPort = RestartableBroker.freePort();
        final Path config = Files.writeString(work.resolve("correlator.properties"),
                "incident-correlator.idle-after=" + IDLE_AFTER.toSeconds() + "s\n");
        try {
            assertNoCommitsWhileIdle(work, healthPort, config);
        } finally {
            CorrelatorProcess.killAll();
        }
    }

    private static void assertNoCommitsWhileIdle(Path work, int healthPort, Path config) throws Exception {
        final Path logs = CorrelatorProcess.logDir("IdleBoxIT");
        Files.deleteIfExists(logs.resolve("idle-box.log")); // readiness is read from the log: this run's only
        final CorrelatorProcess box = CorrelatorProcess.startPackaged("idle-box", logs,
                "run", "--embedded", "--data-dir", work.resolve("box").toString(), "--broker-listen", "127.0.0.1:0",
                "--registry-listen", "127.0.0.1:0", "--application-id", "idle-box",
                "--config", config.toString(), "--health-port", String.valueOf(healthPort));
        assertTrue(box.awaitLog("REBALANCING → RUNNING", Duration.ofMinutes(2)), box.logTail(40));
        final String metrics = "http://127.0.0.1:" + healthPort + "/metrics";

        // Past the last steps to idle: the routing task's partitions turn idle (idle-after), its progress
        // reaches the correlating task at its next commit, whose partitions turn idle idle-after later,
        // and that is committed once more; then nothing.
        Thread.sleep(2 * IDLE_AFTER.toMillis() + 2 * Pipeline.COMMIT_INTERVAL_MS + 1_000);
        final double before = commits(metrics);
        Thread.sleep(6_000);
        assertTrue(box.isAlive(), box.logTail(40));
        assertEquals(before, commits(metrics), "commits while idle (each a transaction)");
    }

    private static double commits(String metrics) throws IOException, InterruptedException {
        final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return HttpAwait.metricValue(r.body(), "kafka_streams_commits_total");
    }
}
