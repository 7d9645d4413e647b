package io.incidentcorrelator.collectors.proxmox.hook;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.collectors.proxmox.BackupPhaseDedup;
import io.incidentcorrelator.collectors.testing.LogCapture;
import io.incidentcorrelator.collectors.testing.MutableClock;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class HookEndpointTest {

    private static final String UPID = "UPID:ruapehu:0000A1B2:0123ABCD:699FADD0:vzdump::root@pam:";

    private final RecordingWriter sink = new RecordingWriter();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-02-26T02:20:00.123456Z"));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private HookEndpoint endpoint;

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    private URI start(HookToken token) throws Exception {
        HookConfig config = HookConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        if (token != null) {
            config = config.withToken(token);
        }
        endpoint = new HookEndpoint(config, sink, Map.of("pbs-main", "pihanga")::get, new BackupPhaseDedup(), clock);
        endpoint.start();
        return URI.create("http://127.0.0.1:" + endpoint.address().getPort() + "/vzdump");
    }

    private HttpResponse<String> post(URI uri, String body, String token) throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String describe(BackupEvent e) {
        return e.getHost() + " " + e.getPhase() + " " + e.getVmid() + " " + e.getStorage() + " " + e.getTargetHost()
                + " " + e.getStatus() + " " + e.getTime();
    }

    @Test
    void everyReportedPhaseBecomesABackupEventStampedOnReceipt() throws Exception {
        final URI uri = start(null);
        final String common = "\"node\":\"ruapehu\",\"storeid\":\"pbs-main\",\"upid\":\"" + UPID + "\"";
        assertEquals(202, post(uri, "{\"phase\":\"job-start\",\"vmid\":\"\"," + common + "}", null).statusCode());
        clock.advance(Duration.ofSeconds(5));
        assertEquals(202, post(uri, "{\"phase\":\"backup-start\",\"mode\":\"snapshot\",\"vmid\":\"201\","
                + "\"hostname\":\"talos-cp-01\"," + common + "}", null).statusCode());
        clock.advance(Duration.ofMinutes(11));
        assertEquals(202, post(uri, "{\"phase\":\"backup-end\",\"vmid\":201," + common + "}", null).statusCode());
        assertEquals(202, post(uri, "{\"phase\":\"backup-start\",\"vmid\":\"203\"," + common + "}", null).statusCode());
        assertEquals(202, post(uri, "{\"phase\":\"backup-abort\",\"vmid\":\"203\"," + common + "}", null).statusCode());
        assertEquals(202, post(uri, "{\"phase\":\"job-abort\",\"jobid\":\"backup-4f1c2e\",\"node\":\"ruapehu\"}", null)
                .statusCode());

        assertEquals(List.of(
                "ruapehu JOB_START null pbs-main pihanga null 2026-02-26T02:20:00.123Z",
                "ruapehu BACKUP_START 201 pbs-main pihanga null 2026-02-26T02:20:05.123Z",
                "ruapehu BACKUP_END 201 pbs-main pihanga ok 2026-02-26T02:31:05.123Z",
                "ruapehu BACKUP_START 203 pbs-main pihanga null 2026-02-26T02:31:05.123Z",
                "ruapehu BACKUP_ABORT 203 pbs-main pihanga aborted 2026-02-26T02:31:05.123Z",
                "ruapehu JOB_ABORT null null null aborted 2026-02-26T02:31:05.123Z"),
                sink.values(BackupEvent.class).stream().map(HookEndpointTest::describe).toList());
        assertEquals(UPID, sink.values(BackupEvent.class).get(0).getUpid());
        assertEquals("backup-events", sink.sent().get(0).topic());
        assertEquals("ruapehu/" + UPID, sink.sent().get(0).key());
        assertEquals("ruapehu/backup-4f1c2e", sink.sent().get(5).key());
        assertEquals("backup-4f1c2e", sink.values(BackupEvent.class).get(5).getJobId());
    }

    @Test
    void aRetriedPostIsAcceptedButSentOnce() throws Exception {
        final URI uri = start(null);
        final String body = "{\"phase\":\"backup-start\",\"vmid\":\"201\",\"node\":\"ruapehu\",\"storeid\":\"pbs-main\"}";
        assertEquals(202, post(uri, body, null).statusCode());
        clock.advance(Duration.ofSeconds(6));
        final HttpResponse<String> again = post(uri, body, null);
        assertEquals(200, again.statusCode());
        assertEquals(1, sink.sent().size());
        // The same guest in tomorrow's job is a new phase.
        clock.advance(Duration.ofHours(24));
        assertEquals(202, post(uri, body, null).statusCode());
        assertEquals(2, sink.sent().size());
    }

    @Test
    void invalidBodiesAreRejectedWithAClearMessage() throws Exception {
        final URI uri = start(null);
        assertRejected(post(uri, "{\"phase\":\"backup-start\",", null), 400, "not valid JSON");
        assertRejected(post(uri, "[1,2]", null), 400, "must be a JSON object");
        assertRejected(post(uri, "{\"phase\":\"pre-stop\",\"vmid\":\"201\",\"node\":\"ruapehu\"}", null), 400,
                "unknown phase \"pre-stop\" (expected one of job-start, backup-start");
        assertRejected(post(uri, "{\"vmid\":\"201\",\"node\":\"ruapehu\"}", null), 400, "field \"phase\" is required");
        assertRejected(post(uri, "{\"phase\":\"backup-end\",\"vmid\":\"20x\",\"node\":\"ruapehu\"}", null), 400,
                "field \"vmid\": expected a numeric guest id");
        assertRejected(post(uri, "{\"phase\":\"backup-end\",\"node\":\"ruapehu\"}", null), 400,
                "\"vmid\" is required for backup-* phases");
        assertRejected(post(uri, "{\"phase\":\"job-end\",\"node\":\"" + "a".repeat(254) + "\"}", null), 400,
                "longer than 253 characters");
        assertRejected(post(uri, "{\"phase\":\"job-end\",\"node\":\"ruapehu; rm -rf\"}", null), 400,
                "field \"node\"");
        assertRejected(post(uri, "{\"phase\":\"job-end\",\"node\":\"ruapehu\",\"upid\":\"UPID:x\"}", null), 400,
                "not a Proxmox task id");
        assertRejected(post(uri, "{\"phase\":\"job-end\"}", null), 400, "field \"node\" is required");
        assertRejected(post(uri, "{\"phase\":\"job-end\",\"node\":\"ruapehu\",\"padding\":\"" + "x".repeat(5000) + "\"}",
                null), 413, "larger than 4096 bytes");
        assertTrue(sink.sent().isEmpty());

        final HttpResponse<String> get = http.send(HttpRequest.newBuilder(uri).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertRejected(get, 405, "use POST");
        assertRejected(post(uri.resolve("/other"), "{}", null), 404, "posts to /vzdump");
    }

    @Test
    void aConfiguredTokenIsRequiredAndNeverLogged() throws Exception {
        final String secret = UUID.randomUUID().toString();
        // One character off (a UUID ending in 0 made the "near miss" the secret itself, 1 run in 16).
        final String nearMiss = secret.substring(0, secret.length() - 1) + (secret.endsWith("0") ? "1" : "0");
        final URI uri = start(HookToken.of(secret));
        final String body = "{\"phase\":\"job-start\",\"node\":\"ruapehu\"}";
        try (LogCapture log = LogCapture.start()) {
            assertRejected(post(uri, body, null), 401, "missing or wrong token");
            assertRejected(post(uri, body, nearMiss), 401, "missing or wrong token");
            assertEquals(202, post(uri, body, secret).statusCode());
            assertFalse(log.text().contains(secret.substring(0, 12)));
        }
        assertEquals(Map.of(HookEndpoint.Rejection.BAD_TOKEN, 2L), endpoint.rejected());
        assertEquals(1, sink.sent().size());
        assertNull(sink.values(BackupEvent.class).get(0).getVmid());
        assertEquals(BackupPhase.JOB_START, sink.values(BackupEvent.class).get(0).getPhase());
        assertEquals("HookToken[****]", HookToken.of(secret).toString());
    }

    @Test
    void rejectionsAreLoggedOncePerIntervalWithACount() throws Exception {
        final String secret = UUID.randomUUID().toString();
        final URI uri = start(HookToken.of(secret));
        final String body = "{\"phase\":\"job-start\",\"node\":\"ruapehu\"}";
        try (LogCapture log = LogCapture.start()) {
            for (int i = 0; i < 50; i++) {
                assertRejected(post(uri, body, "wrong-" + i), 401, "missing or wrong token");
            }
            endpoint.close();
            endpoint = null;
            // The first refusal at once, the other 49 in one line at the end of the interval (here: at close).
            final List<String> lines = log.linesContaining("vzdump hook endpoint: refused");
            assertEquals(2, lines.size(), log.text());
            assertTrue(lines.get(0).contains("refused 1 request(s) {BAD_TOKEN=1}"), lines.get(0));
            assertTrue(lines.get(1).contains("refused 49 request(s) {BAD_TOKEN=49}"), lines.get(1));
            assertFalse(log.text().contains("wrong-"));
        }
    }

    private static void assertRejected(HttpResponse<String> response, int status, String messagePart) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.body().contains(messagePart), response.body());
    }
}
