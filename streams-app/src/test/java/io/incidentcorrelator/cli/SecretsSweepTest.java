package io.incidentcorrelator.cli;

import com.sun.net.httpserver.HttpServer;
import io.incidentcorrelator.security.Scrubber;
import io.incidentcorrelator.serde.HttpSchemaRegistryClient;
import io.incidentcorrelator.sinks.HttpSender;
import io.incidentcorrelator.sinks.WebhookSink;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every way this build takes a secret, run against a loopback server that answers OK, 401, or 500
 * with the request's headers and URL echoed in the body (what a debugging proxy does), and against
 * an unreachable port. Each secret is a distinctive marker; afterwards everything the runs printed
 * and every file they wrote is searched for the markers, their base64 and their basic-auth base64.
 */
@Timeout(180)
class SecretsSweepTest {

    private static final String USER = "sweep-user";

    @TempDir
    Path dir;

    private HttpServer echo;
    private volatile int status = 500;
    private int deadPort;
    private final List<String> markers = new ArrayList<>();
    private final List<String> swept = new ArrayList<>();
    private final StringBuilder output = new StringBuilder();

    @BeforeEach
    void start() throws Exception {
        echo = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        echo.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            final StringBuilder body = new StringBuilder(exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n");
            exchange.getRequestHeaders().forEach((k, v) -> body.append(k).append(": ").append(String.join(",", v)).append('\n'));
            final byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        echo.start();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
    }

    @AfterEach
    void stop() {
        echo.stop(0);
    }

    private String marker(String what) {
        final String m = "MARKER-" + what + "-" + UUID.randomUUID().toString().replace("-", "");
        markers.add(m);
        return m;
    }

    private Path secretFile(String name, String value) throws Exception {
        final Path f = Files.writeString(dir.resolve(name), value + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private String base() {
        return "http://127.0.0.1:" + echo.getAddress().getPort();
    }

    /** Runs the CLI in this JVM, as bin/correlator would, capturing what it prints (logs included). */
    private CollectCommandTest.Run cli(String what, String... args) {
        final CollectCommandTest.Run run = CollectCommandTest.correlator(args);
        output.append(run.stdout()).append(run.stderr());
        swept.add(what + " (exit " + run.exitCode() + ")");
        return run;
    }

    /** Runs library code, capturing its log lines and the message it fails with. */
    private void call(String what, ThrowingRunnable body) {
        final PrintStream err = System.err;
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        String failure = "";
        try {
            body.run();
        } catch (Exception e) {
            failure = e + (e.getCause() == null ? "" : " / " + e.getCause());
        } finally {
            System.setErr(err);
        }
        output.append(stderr.toString(StandardCharsets.UTF_8)).append(failure).append('\n');
        swept.add(what + (failure.isEmpty() ? "" : " -> " + failure.lines().findFirst().orElse("")
                .replaceAll("^(.{0,140}).*", "$1")));
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void noSecretReachesAnyOutputOrFile() throws Exception {
        final String pve = marker("PVE");
        final Path pveFile = secretFile("pve-token", pve);
        final String bearer = marker("BEARER");
        final String basic = marker("BASIC");
        final String registry = marker("REGISTRY");
        final String hmac = marker("HMAC");
        final String urlToken = marker("URLTOKEN");
        final Path backfillOut = dir.resolve("backfill.jsonl");
        final Path badFile = Files.writeString(dir.resolve("world-readable"), "x\n");

        for (int answer : new int[] {200, 401, 500}) {
            status = answer;
            for (String url : List.of(base(), "http://127.0.0.1:" + deadPort)) {
                final String where = answer + (url.endsWith(":" + deadPort) ? " unreachable" : "");
                cli("collect proxmox-memory " + where, "collect", "proxmox-memory", "--print", "--once",
                        "--proxmox-url", url, "--token-id", "collector@pve!sweep", "--token-secret-file",
                        pveFile.toString(), "--node", "pve1", "--timeout", "2s");
                cli("collect proxmox-backup " + where, "collect", "proxmox-backup", "--print", "--once",
                        "--proxmox-url", url, "--token-id", "collector@pve!sweep", "--token-secret-file",
                        pveFile.toString(), "--node", "pve1", "--timeout", "2s");
                cli("backfill " + where, "backfill", "--since", "2026-02-26T00:00:00Z", "--until",
                        "2026-02-26T01:00:00Z", "-o", backfillOut.toString(), "--proxmox-url", url, "--token-id",
                        "collector@pve!sweep", "--token-secret-file", pveFile.toString(), "--node", "pve1");

                final HttpSender.Retry once = new HttpSender.Retry(2, Duration.ofMillis(10), Duration.ofMillis(20));
                for (String auth : List.of(HttpSender.bearer(bearer), HttpSender.basicAuth(USER, basic))) {
                    final HttpSender http = new HttpSender(HttpSender.client(null, Duration.ofSeconds(2)), auth, once,
                            Duration.ofSeconds(2));
                    Scrubber.register(hmac);
                    final URI hook = URI.create(url + "/services/" + urlToken);
                    Scrubber.register("/services/" + urlToken);
                    call("sink webhook " + where + " " + auth.split(" ")[0], () -> new WebhookSink(hook, http, hmac,
                            WebhookSink.DEFAULT_SIGNATURE_HEADER, (id, i) -> true).accept("some-id", null, "incidents-0-1"));
                }
                final String withUserInfo = url.replace("http://", "http://" + USER + ":" + registry + "@");
                call("registry client " + where, () -> new HttpSchemaRegistryClient(withUserInfo,
                        Map.of("schema.registry.request.timeout.ms", "2000"))
                        .register("sweep-value", Schema.create(Schema.Type.STRING)));
            }
        }
        // The hook endpoint's token file, and a readable secret file (warned, never printed).
        final Path hookTokens = secretFile("hook-tokens", "pve1 " + marker("HOOK") + "\n");
        cli("collect proxmox-hook (bad listen address)", "collect", "proxmox-hook", "--once", "--print",
                "--hook-listen", "127.0.0.1:99999", "--hook-token-file", hookTokens.toString());
        Files.writeString(badFile, marker("READABLE") + "\n");
        Files.setPosixFilePermissions(badFile, PosixFilePermissions.fromString("rw-r--r--"));
        final CollectCommandTest.Run readable = cli("collect proxmox-memory with a 0644 secret file", "collect", "proxmox-memory",
                "--print", "--once", "--proxmox-url", base(), "--token-id", "collector@pve!sweep",
                "--token-secret-file", badFile.toString(), "--node", "pve1", "--timeout", "2s");
        assertTrue(readable.stderr().contains("is readable by every user (mode rw-r--r--); chmod 600 it"), readable.stderr());

        final CollectCommandTest.Run insecure = cli("collect proxmox-memory --insecure", "collect", "proxmox-memory",
                "--print", "--once", "--insecure", "--proxmox-url", base(), "--token-id", "collector@pve!sweep",
                "--token-secret-file", pveFile.toString(), "--node", "pve1", "--timeout", "2s");
        assertTrue(insecure.stderr().contains("SECURITY: TLS certificate and host name checks are OFF (--insecure)"),
                insecure.stderr());

        final StringBuilder everything = new StringBuilder(output);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (!f.getFileName().toString().startsWith("pve-token") && !f.equals(hookTokens) && !f.equals(badFile)) {
                    everything.append(Files.readString(f));
                    swept.add("file " + dir.relativize(f));
                }
            }
        }
        System.out.println("secrets sweep covered:\n  " + String.join("\n  ", swept));
        for (String m : markers) {
            for (String form : List.of(m, b64(m), b64(USER + ":" + m), b64(m).replace("=", ""))) {
                assertFalse(everything.toString().contains(form), "leaked " + form + " (of " + m + ")");
            }
        }
        // The sweep did reach the servers: the echo answers (with the headers scrubbed) are in the output.
        assertTrue(everything.toString().contains("[hidden]"), "nothing was echoed at all?");
        assertTrue(Files.readString(backfillOut).contains("failed: proxmox"), Files.readString(backfillOut));
        // 3 answers x (echo, unreachable) x 6 runs, and the three extra command runs.
        assertEquals(3 * 2 * 6 + 3, swept.stream().filter(s -> !s.startsWith("file ")).count(), swept.toString());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
