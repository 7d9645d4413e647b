package io.incidentcorrelator.collectors.proxmox.hook;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.collectors.proxmox.BackupPhaseDedup;
import io.incidentcorrelator.collectors.testing.MutableClock;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs the shipped hook script with {@code sh}, in the empty environment vzdump gives it. */
@Timeout(60)
class VzdumpHookScriptTest {

    private static final Path SCRIPT = Path.of("..", "deploy", "proxmox", "vzdump-hook.sh").toAbsolutePath().normalize();
    private static final String UPID = "UPID:ruapehu:0000A1B2:0123ABCD:699FADD0:vzdump::root@pam:";

    @TempDir
    Path dir;

    private final RecordingWriter sink = new RecordingWriter();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-02-26T02:20:00Z"));
    private HookEndpoint endpoint;
    private String secret;

    @BeforeEach
    void start() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")) || Files.isExecutable(Path.of("/bin/curl")),
                "curl not installed");
        secret = UUID.randomUUID().toString();
        endpoint = new HookEndpoint(HookConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withToken(HookToken.of(secret)), sink, Map.of("pbs-main", "pihanga")::get, new BackupPhaseDedup(), clock);
        endpoint.start();
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    private Path config(int port, String tokenInFile) throws IOException {
        final Path tokenFile = dir.resolve("hook.token");
        Files.writeString(tokenFile, tokenInFile + "\n");
        final Path pidFile = dir.resolve("vzdump.pid");
        Files.writeString(pidFile, UPID + "\n");
        final Path config = dir.resolve("correlator-vzdump-hook");
        Files.writeString(config, "CORRELATOR_HOOK_URL=http://127.0.0.1:" + port + "/vzdump\n"
                + "CORRELATOR_HOOK_TOKEN_FILE=" + tokenFile + "\n"
                + "CORRELATOR_VZDUMP_PIDFILE=" + pidFile + "\n");
        return config;
    }

    private record Run(int exit, String output, Duration took) {
    }

    /** Like vzdump: a cleared environment with only its variables (plus the test's config path). */
    private static Run run(Path config, Map<String, String> env, String... args) throws Exception {
        final List<String> command = new ArrayList<>(List.of("/bin/sh", SCRIPT.toString()));
        command.addAll(List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().put("CORRELATOR_HOOK_CONFIG", config.toString());
        final long t0 = System.nanoTime();
        final Process p = pb.start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "hook script did not finish");
        return new Run(p.exitValue(), out, Duration.ofNanos(System.nanoTime() - t0));
    }

    private static String nodeName() throws Exception {
        final Process p = new ProcessBuilder("uname", "-n").start();
        final String name = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
    }

    @Test
    void aJobWithOneGuestIsReported() throws Exception {
        final Path config = config(endpoint.address().getPort(), secret);
        final Map<String, String> jobEnv = Map.of("STOREID", "pbs-main");
        final Map<String, String> guestEnv = Map.of("STOREID", "pbs-main", "HOSTNAME", "talos-cp-01",
                "VMTYPE", "qemu");

        assertEquals(0, run(config, jobEnv, "job-init").exit());
        assertEquals(0, run(config, jobEnv, "job-start").exit());
        clock.advance(Duration.ofSeconds(2));
        assertEquals(0, run(config, guestEnv, "backup-start", "snapshot", "201").exit());
        assertEquals(0, run(config, guestEnv, "pre-stop", "snapshot", "201").exit());
        clock.advance(Duration.ofMinutes(11));
        final Map<String, String> endEnv = Map.of("STOREID", "pbs-main", "HOSTNAME", "talos-cp-01",
                "TARGET", "vm/201/2026-02-26T02:20:02Z");
        final Run end = run(config, endEnv, "backup-end", "snapshot", "201");
        assertEquals(0, end.exit());
        assertEquals("", end.output(), "the hook stays quiet in the task log");
        assertEquals(0, run(config, guestEnv, "log-end", "snapshot", "201").exit());
        assertEquals(0, run(config, jobEnv, "job-end").exit());

        final String node = nodeName();
        assertEquals(List.of(
                node + " JOB_START - pbs-main pihanga " + UPID,
                node + " BACKUP_START 201 pbs-main pihanga " + UPID,
                node + " BACKUP_END 201 pbs-main pihanga " + UPID,
                node + " JOB_END - pbs-main pihanga " + UPID),
                sink.values(BackupEvent.class).stream().map(e -> e.getHost() + " " + e.getPhase() + " "
                        + (e.getVmid() == null ? "-" : e.getVmid()) + " " + e.getStorage() + " " + e.getTargetHost()
                        + " " + e.getUpid()).toList());
        assertEquals(Instant.parse("2026-02-26T02:31:02Z"), sink.values(BackupEvent.class).get(2).getTime());
    }

    @Test
    void theJobIdIsTakenFromVzdumpsCommandLine() throws Exception {
        final Path config = config(endpoint.address().getPort(), secret);
        // The hook's parent is vzdump; here a shell whose command line carries --job-id like vzdump's would.
        final ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "/bin/sh \"$0\" job-start; :",
                SCRIPT.toString(), "vzdump", "--all", "1", "--job-id", "backup-4f1c2e", "--storage", "pbs-main");
        pb.environment().clear();
        pb.environment().put("CORRELATOR_HOOK_CONFIG", config.toString());
        pb.environment().put("STOREID", "pbs-main");
        final Process p = pb.redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertEquals("backup-4f1c2e", sink.values(BackupEvent.class).get(0).getJobId());
    }

    @Test
    void aWrongTokenOrADownEndpointNeverFailsTheBackup() throws Exception {
        final Map<String, String> env = Map.of("STOREID", "pbs-main", "HOSTNAME", "talos-cp-01");
        final Run wrongToken = run(config(endpoint.address().getPort(), "not-the-token"), env,
                "backup-start", "snapshot", "201");
        assertEquals(0, wrongToken.exit());
        assertTrue(sink.sent().isEmpty());

        final int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        // Not even a missing config or curl target makes it fail. Its retries against the built-in URL
        // take as long as the refused port's below, so the two run side by side.
        final FutureTask<Run> noConfig = new FutureTask<>(() -> run(dir.resolve("missing"), env, "job-start"));
        new Thread(noConfig, "hook-without-config").start();

        final Run down = run(config(closedPort, secret), env, "backup-start", "snapshot", "201");
        assertEquals(0, down.exit());
        // Retried with backoff, but bounded (--retry-max-time 20 s) so the backup goes on.
        assertTrue(down.took().compareTo(Duration.ofSeconds(30)) < 0, "took " + down.took());

        assertEquals(0, noConfig.get(40, TimeUnit.SECONDS).exit());
    }

    @Test
    void aPhaseRefusedWithA503IsRetriedAndDelivered() throws Exception {
        final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        final com.sun.net.httpserver.HttpServer flaky = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        flaky.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            final int status = calls.incrementAndGet() == 1 ? 503 : 202;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        flaky.start();
        try {
            final Run run = run(config(flaky.getAddress().getPort(), secret), Map.of("STOREID", "pbs-main"),
                    "job-start");
            assertEquals(0, run.exit());
            assertEquals(2, calls.get(), "one refusal, one retry");
        } finally {
            flaky.stop(0);
        }
    }

    @Test
    void overHttpsTheCertificateIsVerifiedAgainstTheConfiguredCa() throws Exception {
        final io.incidentcorrelator.collectors.testing.SelfSignedCert cert =
                io.incidentcorrelator.collectors.testing.SelfSignedCert.create(dir);
        final HookEndpoint tls = new HookEndpoint(HookConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withToken(HookToken.of(secret))
                .withTls(new HookConfig.Tls(cert.certificatePem(), cert.privateKeyPem(dir.resolve("hook.key")))),
                sink, Map.of("pbs-main", "pihanga")::get, new BackupPhaseDedup(), clock);
        tls.start();
        try {
            final Path base = config(tls.address().getPort(), secret);
            final String https = Files.readString(base).replace("http://127.0.0.1", "https://127.0.0.1");
            // Without the CA the certificate is refused: nothing is delivered, the backup still goes on.
            final Path noCa = Files.writeString(dir.resolve("no-ca.conf"), https + "CORRELATOR_HOOK_RETRIES=0\n");
            assertEquals(0, run(noCa, Map.of("STOREID", "pbs-main"), "job-start").exit());
            assertTrue(sink.sent().isEmpty());
            final Path withCa = Files.writeString(dir.resolve("ca.conf"),
                    https + "CORRELATOR_HOOK_CA_FILE=" + cert.certificatePem() + "\n");
            assertEquals(0, run(withCa, Map.of("STOREID", "pbs-main"), "job-start").exit());
            assertEquals(1, sink.sent().size());
        } finally {
            tls.close();
        }
    }
}
