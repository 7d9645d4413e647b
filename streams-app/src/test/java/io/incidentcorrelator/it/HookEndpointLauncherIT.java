package io.incidentcorrelator.it;

import io.incidentcorrelator.testsupport.RestartableBroker;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code bin/correlator collect proxmox-hook} as deployed, on the packaged jar, with the shipped hook
 * script as the client: the attack (slow clients trickling headers) while a node reports a
 * phase, and a node's token used for another node.
 */
@Timeout(180)
class HookEndpointLauncherIT {

    private static final Path LAUNCHER = Path.of("../bin/correlator").toAbsolutePath().normalize();
    private static final Path SCRIPT = Path.of("../deploy/proxmox/vzdump-hook.sh").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private final AtomicBoolean attacking = new AtomicBoolean(true);
    private final List<Socket> slow = new ArrayList<>();
    private Process collector;

    @AfterEach
    void stop() throws IOException {
        attacking.set(false);
        for (Socket s : slow) {
            s.close();
        }
        if (collector != null) {
            collector.destroyForcibly();
        }
    }

    private static String nodeName() throws Exception {
        final Process p = new ProcessBuilder("uname", "-n").start();
        final String name = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
    }

    @Test
    void aNodeReportsWhileTenSlowClientsHoldConnectionsAndCannotReportForAnother() throws Exception {
        final String node = nodeName();
        final String token = UUID.randomUUID().toString();
        final String other = UUID.randomUUID().toString();
        final String remote = UUID.randomUUID().toString();
        final Path tokens = Files.writeString(dir.resolve("hook-tokens"),
                node + " " + token + "\nvictim-host-pve9 " + other + "\npve-remote " + remote + " 10.0.0.0/8\n");
        Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rw-------"));
        final int port = RestartableBroker.freePort();
        final int healthPort = RestartableBroker.freePort();
        final Path out = dir.resolve("stdout.txt");
        final Path err = dir.resolve("stderr.txt");
        collector = new ProcessBuilder(LAUNCHER.toString(), "collect", "proxmox-hook", "--print",
                "--hook-listen", "127.0.0.1:" + port, "--hook-token-file", tokens.toString(),
                "--health-port", String.valueOf(healthPort))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        awaitLine(err, "vzdump hook endpoint listening on http://127.0.0.1:" + port);

        for (int i = 0; i < 10; i++) {
            final Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
            slow.add(s);
            final OutputStream o = s.getOutputStream();
            o.write("POST /vzdump HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            final Thread drip = new Thread(() -> {
                try {
                    for (int n = 0; attacking.get(); n++) {
                        Thread.sleep(500);
                        o.write(("X-Slow-" + n + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException | InterruptedException closed) {
                    // cut off by the endpoint's deadline
                }
            });
            drip.setDaemon(true);
            drip.start();
        }
        Thread.sleep(1000);

        // The shipped script, as vzdump runs it: empty environment, settings from its config file.
        final Path tokenFile = Files.writeString(dir.resolve("node.token"), token + "\n");
        final Path config = Files.writeString(dir.resolve("hook.conf"),
                "CORRELATOR_HOOK_URL=http://127.0.0.1:" + port + "/vzdump\n"
                        + "CORRELATOR_HOOK_TOKEN_FILE=" + tokenFile + "\n"
                        + "CORRELATOR_VZDUMP_PIDFILE=" + dir.resolve("no-such.pid") + "\n");
        final ProcessBuilder hook = new ProcessBuilder("/bin/sh", SCRIPT.toString(), "job-start")
                .redirectErrorStream(true);
        hook.environment().clear();
        hook.environment().put("CORRELATOR_HOOK_CONFIG", config.toString());
        hook.environment().put("STOREID", "pbs-main");
        final Process script = hook.start();
        final String scriptOutput = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(script.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, script.exitValue(), scriptOutput);
        awaitLine(out, "\"host\":\"" + node + "\",\"phase\":\"JOB_START\"");

        // This node's token, another node's name: refused and not emitted. Likewise a token bound to
        // addresses this one is not, an unknown token, and a body over the limit.
        final HttpResponse<String> forged = post(port, token, "{\"phase\":\"job-start\",\"node\":\"victim-host-pve9\"}");
        assertEquals(403, forged.statusCode(), forged.body());
        final HttpResponse<String> elsewhere = post(port, remote, "{\"phase\":\"job-start\",\"node\":\"pve-remote\"}");
        assertEquals(403, elsewhere.statusCode(), elsewhere.body());
        assertEquals(401, post(port, UUID.randomUUID().toString(), "{}").statusCode());
        assertEquals(413, post(port, token, "{\"phase\":\"job-start\",\"node\":\"" + node + "\",\"pad\":\""
                + "x".repeat(5000) + "\"}").statusCode());

        // The slow clients are cut off once their 10 s for a whole request are up.
        for (Socket s : slow) {
            s.setSoTimeout(60_000);
            try {
                while (s.getInputStream().read() >= 0) {
                    // a 408 may come before the close
                }
            } catch (IOException reset) {
                // closed by the endpoint
            }
        }
        // Each refusal is counted by reason on the collector's /metrics, where alerting can see an attack.
        final String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + healthPort + "/metrics")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String reason : List.of("other_node", "other_address", "bad_token", "too_large")) {
            assertTrue(metrics.contains("correlator_hook_rejected_requests_total{reason=\"" + reason + "\"} 1\n"),
                    reason + " counted once:\n" + metrics);
        }
        final long cutOff = metricValue(metrics, "timed_out") + metricValue(metrics, "connections_full");
        assertTrue(cutOff >= slow.size(), "every slow client counted as timed_out or connections_full:\n" + metrics);
        System.out.println("hook endpoint /metrics after the attack:\n" + metrics.lines()
                .filter(l -> l.startsWith("correlator_hook_")).reduce((a, b) -> a + "\n" + b).orElse(""));

        collector.destroy();
        assertTrue(collector.waitFor(30, TimeUnit.SECONDS), "did not stop on SIGTERM");
        final String stdout = Files.readString(out);
        final String stderr = Files.readString(err);
        assertEquals(1, stdout.lines().count(), stdout);
        assertFalse(stdout.contains("victim-host-pve9"), stdout);
        assertTrue(stderr.contains("OTHER_NODE=1"), stderr);
        assertTrue(stderr.contains("TIMED_OUT="), "the slow clients were cut off: " + stderr);
        assertFalse(stderr.contains(token) || stderr.contains(other) || stderr.contains(remote), stderr);
    }

    private static HttpResponse<String> post(int port, String token, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/vzdump"))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long metricValue(String metrics, String reason) {
        final String prefix = "correlator_hook_rejected_requests_total{reason=\"" + reason + "\"} ";
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> Long.parseLong(l.substring(prefix.length())))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in\n" + metrics));
    }

    private void awaitLine(Path file, String part) throws Exception {
        try {
            await("\"" + part + "\" in " + file.getFileName()).atMost(Duration.ofSeconds(90))
                    .failFast(() -> !collector.isAlive()).until(() -> Files.readString(file).contains(part));
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            fail("no \"" + part + "\" in " + file.getFileName() + ":\n" + Files.readString(file)
                    + "\nstderr:\n" + Files.readString(dir.resolve("stderr.txt")));
        }
    }
}
