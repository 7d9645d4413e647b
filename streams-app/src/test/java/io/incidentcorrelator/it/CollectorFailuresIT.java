package io.incidentcorrelator.it;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import io.incidentcorrelator.testsupport.HttpAwait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.awaitility.Awaitility.await;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/correlator collect ...} as a supervisor runs it, on the packaged jar, against loopback
 * fakes that fail: the exit code of {@code --once}, the lines on stderr, and the health port.
 */
@Timeout(120)
class CollectorFailuresIT {

    private static final Path LAUNCHER = Path.of("../bin/correlator").toAbsolutePath().normalize();
    private static final String TOKEN_ID = "collector@pve!correlator";

    @TempDir
    Path dir;

    private WireMockServer fake;
    private final String secret = UUID.randomUUID().toString(); // made up per run
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void start() {
        fake = LoopbackWireMock.start();
    }

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        fake.stop();
    }

    record Result(int code, String stdout, String stderr, long millis) {
    }

    private Result run(List<String> env, String... args) throws Exception {
        final Path out = dir.resolve("stdout-" + processes.size());
        final Path err = dir.resolve("stderr-" + processes.size());
        final List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        for (int i = 0; i < env.size(); i += 2) {
            pb.environment().put(env.get(i), env.get(i + 1));
        }
        final long t0 = System.nanoTime();
        final Process p = pb.start();
        processes.add(p);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "did not finish: " + String.join(" ", args));
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    private Path secretFile() throws IOException {
        return Files.writeString(dir.resolve("token-secret"), secret + "\n");
    }

    private static long lines(String text, String... parts) {
        return text.lines().filter(l -> java.util.Arrays.stream(parts).allMatch(l::contains)).count();
    }

    @Test
    void proxmoxBackupOnceExitsOneOnUnauthorizedNamingTheTokenButNotTheSecret() throws Exception {
        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/tasks")).willReturn(aResponse().withStatus(401)
                .withStatusMessage("authentication failure")));
        final Result r = run(List.of(), "collect", "proxmox-backup", "--print", "--once", "--proxmox-url",
                fake.baseUrl(), "--token-id", TOKEN_ID, "--token-secret-file", secretFile().toString(),
                "--node", "ruapehu");
        assertEquals(1, r.code(), r.stderr());
        assertEquals("", r.stdout());
        assertEquals(1, lines(r.stderr(), "WARN", "node ruapehu: failing", "HTTP 401 authentication failure", TOKEN_ID),
                r.stderr());
        assertTrue(r.stderr().contains("collect proxmox-backup: proxmox-backup " + URI.create(fake.baseUrl())
                .getAuthority() + " node ruapehu failed: GET /nodes/ruapehu/tasks"), r.stderr());
        assertFalse(r.stderr().contains(secret), "the secret leaked");
        assertFalse(r.stderr().contains("\tat "), "no stack trace without debug");
    }

    @Test
    void proxmoxMemoryOnceExitsOneOnAServerErrorWithPvesReason() throws Exception {
        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status")).willReturn(aResponse().withStatus(500)
                .withStatusMessage("unable to read '/etc/pve/nodes/ruapehu/lrm_status' - Transport endpoint is not "
                        + "connected").withBody("{\"data\":null}")));
        final Result r = run(List.of(), "collect", "proxmox-memory", "--print", "--once", "--proxmox-url",
                fake.baseUrl(), "--token-id", TOKEN_ID, "--token-secret-file", secretFile().toString(),
                "--node", "ruapehu");
        assertEquals(1, r.code(), r.stderr());
        assertTrue(r.stderr().contains("HTTP 500 unable to read '/etc/pve/nodes/ruapehu/lrm_status'"), r.stderr());
    }

    private Path kubeconfig(String server) throws IOException {
        return kubeconfig("kubeconfig", "server: \"" + server + "\"");
    }

    /** A kubeconfig file {@code name} whose one cluster has {@code clusterFields} (YAML flow mapping body). */
    private Path kubeconfig(String name, String clusterFields) throws IOException {
        return Files.writeString(dir.resolve(name), """
                apiVersion: v1
                kind: Config
                clusters:
                - cluster: {%s}
                  name: lab
                contexts:
                - context: {cluster: lab, user: lab}
                  name: lab
                current-context: lab
                users:
                - name: lab
                  user: {token: not-a-real-token}
                """.formatted(clusterFields));
    }

    @Test
    void kubernetesOnceExitsOneWithTheRootCauseWithinSeconds() throws Exception {
        final int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        final Result r = run(List.of("KUBECONFIG", kubeconfig("http://127.0.0.1:" + closedPort).toString()),
                "collect", "kubernetes", "--print", "--once", "--cluster", "monit");
        assertEquals(1, r.code(), r.stderr());
        // From the collector's first line to the cause: seconds, not fabric8's minute of retries.
        // (The JVM's own start is left out: on a loaded build machine it alone takes seconds.)
        final List<java.time.LocalTime> times = r.stderr().lines()
                .filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*"))
                .map(l -> java.time.LocalTime.parse(l.substring(0, 12))).toList();
        final String failing = r.stderr().lines().filter(l -> l.contains("pods: failing")).findFirst().orElseThrow();
        final Duration toCause = Duration.between(times.get(0), java.time.LocalTime.parse(failing.substring(0, 12)));
        assertTrue(toCause.compareTo(Duration.ofSeconds(5)) < 0, "the cause came after " + toCause);
        assertTrue(r.stderr().contains("collect kubernetes: kubernetes monit (http://127.0.0.1:" + closedPort
                + "/) pods failed: listing pods: cannot connect to http://127.0.0.1:" + closedPort), r.stderr());
        assertTrue(r.stderr().contains("Connection refused"), r.stderr());
        assertFalse(r.stderr().contains("\tat "), r.stderr());
    }

    @Test
    void kubernetesOnceExitsOneOnAMalformedList() throws Exception {
        fake.stubFor(get(urlPathEqualTo("/api/v1/pods")).willReturn(okJson(
                "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":[{\"me")));
        final Result r = run(List.of("KUBECONFIG", kubeconfig(fake.baseUrl()).toString()),
                "collect", "kubernetes", "--print", "--once", "--cluster", "monit");
        assertEquals(1, r.code(), r.stderr());
        assertTrue(r.stderr().contains("pods failed: listing pods: malformed response from " + fake.baseUrl()),
                r.stderr());
    }

    @Test
    void kubernetesOverVerifiedTlsStartsWithoutBlockingAVertxEventLoop() throws Exception {
        final io.incidentcorrelator.collectors.testing.SelfSignedCert cert =
                io.incidentcorrelator.collectors.testing.SelfSignedCert.create(dir);
        final WireMockServer api = new WireMockServer(com.github.tomakehurst.wiremock.core.WireMockConfiguration.options()
                .bindAddress("127.0.0.1").httpDisabled(true).dynamicHttpsPort()
                .keystorePath(cert.keystore().toString()).keystoreType("PKCS12")
                .keystorePassword(cert.password()).keyManagerPassword(cert.password()));
        api.start();
        try {
            api.stubFor(get(urlPathEqualTo("/api/v1/pods")).willReturn(okJson(
                    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":[]}")));
            final Path config = kubeconfig("kubeconfig-tls",
                    "server: \"https://127.0.0.1:%d\", certificate-authority: \"%s\""
                            .formatted(api.httpsPort(), cert.certificatePem()));
            final Result r = run(List.of("KUBECONFIG", config.toString()), "collect", "kubernetes", "--print", "--once",
                    "--cluster", "monit");
            assertEquals(0, r.code(), r.stderr());
            // The first TLS handshake's one-time class loading used to run on an event loop.
            assertFalse(r.stderr().contains("BlockedThreadChecker"), r.stderr());
        } finally {
            api.stop();
        }
    }

    @Test
    void readinessIsDownWhileTheSourceFailsLongerThanTheBudgetAndUpWhenItReturns() throws Exception {
        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status")).willReturn(aResponse().withStatus(500)
                .withStatusMessage("proxy loop detected").withBody("{\"data\":null}")));
        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu")).willReturn(okJson("{\"data\":[]}")));
        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/rrddata")).willReturn(okJson("{\"data\":[]}")));
        final Path err = dir.resolve("stderr-long");
        final Process p = new ProcessBuilder(LAUNCHER.toString(), "collect", "proxmox-memory", "--print",
                "--proxmox-url", fake.baseUrl(), "--token-id", TOKEN_ID, "--token-secret-file", secretFile().toString(),
                "--node", "ruapehu", "--interval", "1s", "--failure-budget", "3s", "--health-port", "0")
                .redirectOutput(dir.resolve("stdout-long").toFile()).redirectError(err.toFile()).start();
        processes.add(p);
        final int port = healthPort(p, err);
        final HttpClient http = HttpClient.newHttpClient();
        final URI ready = URI.create("http://127.0.0.1:" + port + "/health/ready");

        HttpResponse<String> answer = awaitStatus(http, ready, 503, p, err);
        assertTrue(answer.body().contains("\"status\":\"DOWN\""), answer.body());
        assertTrue(answer.body().contains("HTTP 500 proxy loop detected"), answer.body());
        final String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("correlator_collector_sources_over_budget{collector=\"proxmox-memory\"} 1"), metrics);

        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status")).willReturn(okJson("""
                {"data":{"cpu":0.05,"wait":0.01,"memory":{"total":134850203648,"used":67425101824}}}""")));
        answer = awaitStatus(http, ready, 200, p, err);
        assertTrue(answer.body().contains("\"status\":\"UP\""), answer.body());

        p.destroy();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "did not stop on SIGTERM");
        final String log = Files.readString(err);
        assertEquals(1, lines(log, "WARN", "node ruapehu: failing", "HTTP 500 proxy loop detected"), log);
        assertEquals(1, lines(log, "INFO", "node ruapehu: recovered after"), log);
        assertFalse(log.contains("BlockedThreadChecker"), log);
    }

    private static int healthPort(Process p, Path err) {
        final Pattern line = Pattern.compile("health and metrics at http://127\\.0\\.0\\.1:(\\d+)/");
        final Matcher m = await("the health port in the log").atMost(Duration.ofSeconds(40))
                .failFast(() -> assertTrue(p.isAlive(), () -> "exited:\n" + readQuietly(err)))
                .until(() -> line.matcher(readQuietly(err)), Matcher::find);
        return Integer.parseInt(m.group(1));
    }

    private static HttpResponse<String> awaitStatus(HttpClient http, URI uri, int status, Process p, Path err) {
        return HttpAwait.awaitAnswer(http, uri, r -> r.statusCode() == status, Duration.ofSeconds(60), p::isAlive,
                () -> readQuietly(err));
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
