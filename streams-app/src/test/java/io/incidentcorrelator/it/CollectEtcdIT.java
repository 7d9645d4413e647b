package io.incidentcorrelator.it;

import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.collectors.testing.RealEtcd;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.replay.ScenarioReader;
import io.incidentcorrelator.topics.Topic;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bin/correlator collect etcd} as a user runs it, on the packaged jar, against a real etcd
 * (Debian's {@code etcd-server}, or {@code $ETCD_BIN}) started on free loopback ports with a
 * throw-away data directory. Skipped when no etcd binary is installed.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CollectEtcdIT {

    private static final Path LAUNCHER = Path.of("../bin/correlator").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private RealEtcd etcd;
    private String client;
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private Thread writer;

    @BeforeEach
    void startEtcd() throws Exception {
        final Optional<Path> binary = RealEtcd.binary();
        assumeTrue(binary.isPresent(), RealEtcd.NOT_INSTALLED);
        etcd = RealEtcd.start(binary.get(), dir);
        client = etcd.clientUrl();
        // Writes all along, so every interval the collector measures has WAL fsyncs in it.
        writer = new Thread(() -> {
            for (int i = 0; writing.get(); i++) {
                try {
                    etcd.put("/it/key-" + (i % 50), "value-" + i + "-" + "x".repeat(200));
                    Thread.sleep(50);
                } catch (Exception e) {
                    return;
                }
            }
        }, "etcd-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @AfterEach
    void stopEtcd() throws InterruptedException {
        writing.set(false);
        if (writer != null) {
            writer.join(5_000);
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void printOncePrintsAReplayableEtcdLatencyLine() throws Exception {
        final Path out = dir.resolve("stdout.txt");
        final Path err = dir.resolve("stderr.txt");
        final Process p = new ProcessBuilder(LAUNCHER.toString(), "collect", "etcd", "--endpoint", client,
                "--cluster", "itest", "--print", "--once")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "collect etcd --once did not finish");
        final String stdout = Files.readString(out);
        assertEquals(0, p.exitValue(), Files.readString(err));

        final List<ScenarioEvent> events = new ScenarioReader().read("stdout", new StringReader(stdout));
        assertEquals(1, events.size(), stdout);
        final ScenarioEvent event = events.get(0);
        assertEquals(Topic.ETCD_LATENCY, event.topic());
        assertEquals("itest/127.0.0.1", event.key());
        final EtcdLatencySample s = (EtcdLatencySample) event.value();
        assertEquals("itest", s.getCluster());
        // etcd does not publish its --name in /metrics; the member is named after the endpoint's host.
        assertEquals("127.0.0.1", s.getMember());
        assertTrue(s.getWalFsyncP99Ms() > 0 && s.getWalFsyncP99Ms() < 10_000, "WAL fsync p99 " + s.getWalFsyncP99Ms());
        assertNotNull(s.getDbSizeBytes());
        assertTrue(s.getDbSizeBytes() > 0, "db size " + s.getDbSizeBytes());
        assertEquals(Boolean.TRUE, s.getLeader());
        assertTrue(stdout.startsWith("{\"topic\":\"etcd-latency\",\"key\":\"itest/127.0.0.1\",\"value\":{\"cluster\":"
                + "\"itest\",\"member\":\"127.0.0.1\",\"walFsyncP99Ms\":"), stdout);
    }

    @Test
    void longRunningItSamplesEveryIntervalAndStopsCleanlyOnSigterm() throws Exception {
        final Path out = dir.resolve("stdout.txt");
        final Path err = dir.resolve("stderr.txt");
        final Process p = new ProcessBuilder(LAUNCHER.toString(), "collect", "etcd", "--endpoint", "cp-01=" + client,
                "--cluster", "itest", "--print", "--interval", "1s")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            try {
                await("two samples printed").atMost(Duration.ofSeconds(30)).failFast(() -> !p.isAlive())
                        .until(() -> Files.readString(out).lines().count() >= 2);
            } catch (ConditionTimeoutException | TerminalFailureException e) {
                fail("no two samples (" + e.getMessage() + "); stderr:\n" + Files.readString(err));
            }
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "did not stop on SIGTERM");
        } finally {
            p.destroyForcibly();
        }
        // 143 = 128 + SIGTERM: the JVM's status after its shutdown hooks ran.
        assertEquals(143, p.exitValue(), Files.readString(err));
        assertTrue(Files.readString(err).contains("etcd: stopping"), Files.readString(err));
        final List<ScenarioEvent> events = new ScenarioReader().read("stdout",
                new StringReader(Files.readString(out)));
        final List<String> members = new ArrayList<>();
        events.forEach(e -> members.add(((EtcdLatencySample) e.value()).getMember()));
        assertTrue(members.size() >= 2 && members.stream().allMatch("cp-01"::equals), members.toString());
    }
}
