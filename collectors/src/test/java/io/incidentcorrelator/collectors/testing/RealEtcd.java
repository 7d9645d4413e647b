package io.incidentcorrelator.collectors.testing;

import org.awaitility.core.ConditionTimeoutException;

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

import static org.awaitility.Awaitility.await;

/**
 * A real etcd (Debian's {@code etcd-server}, or {@code $ETCD_BIN}) on free loopback ports with a
 * throw-away data directory, for the collector tests here and the CLI tests of the streams app
 * (shared through this module's test jar).
 */
public final class RealEtcd implements AutoCloseable {

    /** For {@code assumeTrue}: tests that need etcd are skipped where none is installed. */
    public static final String NOT_INSTALLED = "no etcd binary (set ETCD_BIN or install Debian's etcd-server)";

    private final Process process;
    private final String clientUrl;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private RealEtcd(Process process, String clientUrl, Path log) {
        this.process = process;
        this.clientUrl = clientUrl;
        this.log = log;
    }

    /** The etcd binary: {@code $ETCD_BIN}, else {@code etcd} on the PATH, else the usual install places. */
    public static Optional<Path> binary() {
        final String env = System.getenv("ETCD_BIN");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
            return Optional.of(Path.of(env));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "etcd"))) {
                return Optional.of(Path.of(dir, "etcd"));
            }
        }
        for (String fixed : List.of("/usr/bin/etcd", "/usr/local/bin/etcd")) {
            if (Files.isExecutable(Path.of(fixed))) {
                return Optional.of(Path.of(fixed));
            }
        }
        return Optional.empty();
    }

    /** Starts etcd with its data and log under {@code dir} and waits (up to 20 s) until it is healthy. */
    public static RealEtcd start(Path binary, Path dir) throws IOException, InterruptedException {
        final int clientPort = freePort();
        int peerPort = freePort();
        while (peerPort == clientPort) {
            peerPort = freePort();
        }
        final String client = "http://127.0.0.1:" + clientPort;
        final String peer = "http://127.0.0.1:" + peerPort;
        final Path log = dir.resolve("etcd.log");
        final Process process = new ProcessBuilder(binary.toString(), "--name", "default",
                "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "default=" + peer)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final RealEtcd etcd = new RealEtcd(process, client, log);
        try {
            etcd.awaitHealthy();
        } catch (IOException | RuntimeException | AssertionError e) {
            etcd.close();
            throw e;
        }
        return etcd;
    }

    public String clientUrl() {
        return clientUrl;
    }

    /** Writes a key through etcd's v3 JSON gateway; returns the HTTP status. */
    public int put(String key, String value) throws IOException, InterruptedException {
        final Base64.Encoder b64 = Base64.getEncoder();
        final String body = "{\"key\":\"" + b64.encodeToString(key.getBytes(StandardCharsets.UTF_8))
                + "\",\"value\":\"" + b64.encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "\"}";
        return http.send(HttpRequest.newBuilder(URI.create(clientUrl + "/v3/kv/put"))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private void awaitHealthy() throws IOException {
        try {
            await("etcd healthy").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> http.send(HttpRequest.newBuilder(URI.create(clientUrl + "/health"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()),
                            r -> r.statusCode() == 200 && r.body().contains("true"));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("etcd did not become healthy; its log:\n" + Files.readString(log), e);
        }
    }

    /** Stops etcd: SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Exit status once stopped; null while it still runs. */
    public Integer exitValue() {
        return process.isAlive() ? null : process.exitValue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
