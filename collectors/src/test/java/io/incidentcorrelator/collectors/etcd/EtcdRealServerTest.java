package io.incidentcorrelator.collectors.etcd;

import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.collectors.testing.RecordingSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Scrapes a real etcd (Debian's {@code etcd-server}, or {@code $ETCD_BIN}) started on loopback
 * ports with a throw-away data directory. Skipped when no etcd binary is installed.
 */
@Timeout(value = 45, unit = TimeUnit.SECONDS)
class EtcdRealServerTest {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdRealServerTest.class);

    @TempDir
    Path dataDir;

    private Process etcd;

    @AfterEach
    void stopEtcd() throws InterruptedException {
        if (etcd == null) {
            return;
        }
        etcd.destroy();
        if (!etcd.waitFor(10, TimeUnit.SECONDS)) {
            etcd.destroyForcibly();
            etcd.waitFor(5, TimeUnit.SECONDS);
        }
        LOG.info("etcd stopped (exit {})", etcd.isAlive() ? "still running!" : String.valueOf(etcd.exitValue()));
    }

    @Test
    void samplesFromARealEtcdArePlausible() throws Exception {
        final Optional<Path> binary = findEtcd();
        assumeTrue(binary.isPresent(), "no etcd binary (set ETCD_BIN or install Debian's etcd-server)");
        LOG.info("etcd binary found at {}", binary.get());

        final int clientPort = freePort();
        int peerPort = freePort();
        while (peerPort == clientPort) {
            peerPort = freePort();
        }
        final String client = "http://127.0.0.1:" + clientPort;
        final String peer = "http://127.0.0.1:" + peerPort;
        final Path log = dataDir.resolve("etcd.log");
        etcd = new ProcessBuilder(binary.get().toString(),
                "--name", "default",
                "--data-dir", dataDir.resolve("data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "default=" + peer)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();

        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        awaitHealthy(http, client, log);

        final RecordingSink sink = new RecordingSink();
        final EtcdConfig config = EtcdConfig.of("itest", List.of(EtcdMember.parse(client)))
                .withInterval(Duration.ofSeconds(5));
        final EtcdCollector collector = new EtcdCollector(config, sink);

        assertEquals(0, collector.pollOnce(), "first scrape is only a baseline");
        for (int i = 0; i < 25; i++) {
            put(http, client, "/itest/key-" + i, "value-" + i + "-" + "x".repeat(200));
        }
        Thread.sleep(300); // backend commits are batched every 100 ms
        assertEquals(1, collector.pollOnce());

        final RecordingSink.Sent sent = sink.sent().get(0);
        assertEquals("etcd-latency", sent.topic());
        assertEquals("itest/127.0.0.1", sent.key());
        final EtcdLatencySample s = (EtcdLatencySample) sent.value();
        LOG.info("sample from real etcd: {}", s);
        assertEquals("itest", s.getCluster());
        assertEquals("127.0.0.1", s.getMember());
        assertTrue(s.getWalFsyncP99Ms() > 0 && s.getWalFsyncP99Ms() < 10_000, "WAL fsync p99 " + s.getWalFsyncP99Ms());
        assertNotNull(s.getBackendCommitP99Ms());
        assertTrue(s.getBackendCommitP99Ms() > 0 && s.getBackendCommitP99Ms() < 10_000);
        assertTrue(s.getDbSizeBytes() > 0);
        assertTrue(s.getDbSizeInUseBytes() > 0 && s.getDbSizeInUseBytes() <= s.getDbSizeBytes());
        assertEquals(Boolean.TRUE, s.getLeader());
        assertEquals(0, s.getSlowApplies());
    }

    private static void awaitHealthy(HttpClient http, String client, Path log) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try {
                final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(client + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("true")) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("etcd did not become healthy; its log:\n" + Files.readString(log));
    }

    private static void put(HttpClient http, String client, String key, String value) throws Exception {
        final Base64.Encoder b64 = Base64.getEncoder();
        final String body = "{\"key\":\"" + b64.encodeToString(key.getBytes(StandardCharsets.UTF_8))
                + "\",\"value\":\"" + b64.encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "\"}";
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(client + "/v3/kv/put"))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    static Optional<Path> findEtcd() {
        final String env = System.getenv("ETCD_BIN");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
            return Optional.of(Path.of(env));
        }
        final String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            final Path candidate = Path.of(dir, "etcd");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        for (String fixed : List.of("/usr/bin/etcd", "/usr/local/bin/etcd")) {
            if (Files.isExecutable(Path.of(fixed))) {
                return Optional.of(Path.of(fixed));
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
