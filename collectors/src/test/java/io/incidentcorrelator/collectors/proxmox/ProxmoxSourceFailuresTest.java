package io.incidentcorrelator.collectors.proxmox;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.collectors.CollectorHealth;
import io.incidentcorrelator.collectors.testing.LogCapture;
import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import io.incidentcorrelator.collectors.testing.MutableClock;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.incidentcorrelator.collectors.proxmox.ProxmoxTestSupport.data;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What pveproxy answers when things go wrong, and what the operator then reads: the status line's
 * reason, the host, the token id (never the secret), truncated and malformed bodies; and the
 * failure budget that turns a long outage into readiness DOWN.
 */
class ProxmoxSourceFailuresTest {

    private static final String STATUS_PATH = "/api2/json/nodes/ruapehu/status";
    private static final String NODE_STATUS_PVE9 = """
            {"cpu":0.0421,"wait":0.0087,"memory":{"total":134850203648,"used":118383054848,"free":16467148800},
             "pveversion":"pve-manager/9.0.10/deb1ca707ec72a89"}""";

    private WireMockServer pve;
    private final String secret = ProxmoxTestSupport.fakeSecret();
    private ProxmoxConfig config;
    private ProxmoxClient client;

    @BeforeEach
    void start() {
        pve = LoopbackWireMock.start();
        config = ProxmoxTestSupport.config(URI.create(pve.baseUrl()), secret, List.of("ruapehu"))
                .withTimings(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMinutes(5));
        client = new ProxmoxClient(config);
    }

    @AfterEach
    void stop() {
        pve.stop();
    }

    private ProxmoxApiException failure(ProxmoxClient c) {
        return assertThrows(ProxmoxApiException.class, () -> c.get("/nodes/ruapehu/status", Map.of()));
    }

    @Test
    void statusLinesReasonHostAndTokenIdAreInTheMessage() {
        final String host = URI.create(pve.baseUrl()).getAuthority();
        pve.stubFor(get(urlPathEqualTo(STATUS_PATH)).willReturn(aResponse().withStatus(500)
                .withStatusMessage("unable to open file '/var/lib/rrdcached/db/pve2-node/ruapehu' - No such file")
                .withBody("{\"data\":null}")));
        ProxmoxApiException e = failure(client);
        assertEquals(ProxmoxApiException.Kind.SERVER, e.kind());
        assertTrue(e.getMessage().contains("GET /nodes/ruapehu/status on " + host + ": HTTP 500 unable to open file "
                + "'/var/lib/rrdcached/db/pve2-node/ruapehu'"), e.getMessage());

        pve.stubFor(get(urlPathEqualTo(STATUS_PATH)).willReturn(aResponse().withStatus(401)
                .withStatusMessage("authentication failure")));
        e = failure(client);
        assertTrue(e.getMessage().contains("HTTP 401 authentication failure"), e.getMessage());
        assertTrue(e.getMessage().contains(ProxmoxTestSupport.TOKEN_ID), e.getMessage());
        assertFalse(e.getMessage().contains(secret));

        pve.stubFor(get(urlPathEqualTo(STATUS_PATH)).willReturn(aResponse().withStatus(403)
                .withStatusMessage("Permission check failed (/nodes/ruapehu, Sys.Audit)")));
        e = failure(client);
        assertEquals(ProxmoxApiException.Kind.FORBIDDEN, e.kind());
        assertTrue(e.getMessage().contains("HTTP 403 Permission check failed (/nodes/ruapehu, Sys.Audit)"),
                e.getMessage());

        pve.stubFor(get(urlPathEqualTo(STATUS_PATH)).willReturn(aResponse().withStatus(404)
                .withStatusMessage("Not Found")));
        e = failure(client);
        assertEquals(ProxmoxApiException.Kind.CLIENT, e.kind());
        assertTrue(e.getMessage().contains("HTTP 404 Not Found (wrong node name"), e.getMessage());

        pve.stubFor(get(urlPathEqualTo(STATUS_PATH)).willReturn(okJson("{\"data\":{\"cpu\":0.1,\"memory\":{")));
        e = failure(client);
        assertEquals(ProxmoxApiException.Kind.BAD_RESPONSE, e.kind());
        assertTrue(e.getMessage().contains("answer is not JSON (Unexpected end-of-input"), e.getMessage());
    }

    @Test
    void aBodyCutShortOfItsContentLengthIsReportedAsTruncated() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final Thread fake = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    in.read(new byte[8192]);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n"
                            + "Content-Length: 400\r\n\r\n{\"data\":{\"cpu\":0.0421,\"memory\":{\"total\":1348")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException ignored) {
                    // the client hung up first: nothing left to serve
                }
            });
            fake.start();
            final ProxmoxClient c = new ProxmoxClient(ProxmoxTestSupport.config(
                    URI.create("http://127.0.0.1:" + server.getLocalPort()), secret, List.of("ruapehu")));
            final ProxmoxApiException e = failure(c);
            assertEquals(ProxmoxApiException.Kind.BAD_RESPONSE, e.kind());
            assertTrue(e.getMessage().contains("truncated body"), e.getMessage());
            fake.join(5000);
        }
    }

    @Test
    void hostMemoryPressureComesFromRrddataWhenTheStatusLacksIt() throws Exception {
        final MutableClock clock = new MutableClock(Instant.ofEpochSecond(1772073660));
        pve.stubFor(get(urlPathEqualTo(STATUS_PATH)).willReturn(okJson(data(NODE_STATUS_PVE9))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu")).willReturn(okJson(data("[]"))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/rrddata")).willReturn(okJson(data("""
                [{"time":1772073480,"memused":118000000000,"memtotal":134850203648,"pressurememorysome":7.25},
                 {"time":1772073540,"memused":118100000000,"memtotal":134850203648,"pressurememorysome":9.5},
                 {"time":1772073600,"memused":118383054848,"memtotal":134850203648}]"""))));
        final RecordingWriter sink = new RecordingWriter();
        assertEquals(1, new MemoryPoller(client, config, sink, clock).pollOnce());
        final MemorySample host = sink.values(MemorySample.class).get(0);
        assertEquals(9.5, host.getMemPressureSomeAvg10(), "the newest point that has it");
    }

    @Test
    void aNodeDownLongerThanTheBudgetMakesReadinessDownUntilItAnswers() throws Exception {
        final MutableClock clock = new MutableClock(Instant.parse("2026-02-26T02:00:00Z"));
        pve.stubFor(get(urlPathEqualTo(STATUS_PATH)).willReturn(aResponse().withStatus(500)
                .withStatusMessage("proxy loop detected").withBody("{\"data\":null}")));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu")).willReturn(okJson(data("[]"))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/rrddata")).willReturn(okJson(data("[]"))));
        final MemoryPoller poller = new MemoryPoller(client, config, new RecordingWriter(), clock);
        final CollectorHealth health = new CollectorHealth("proxmox-memory", Duration.ofMinutes(5), clock,
                poller::sources);
        final String text;
        try (LogCapture log = LogCapture.start()) {
            for (int i = 0; i < 12; i++) {       // 11 min of polls every 30 s+backoff
                poller.pollOnce();
                clock.advance(Duration.ofMinutes(1));
            }
            assertFalse(health.ready());
            assertTrue(health.readyJson().startsWith("{\"status\":\"DOWN\""), health.readyJson());
            assertTrue(health.readyJson().contains("HTTP 500 proxy loop detected"), health.readyJson());
            assertTrue(health.metrics().contains("correlator_collector_sources_over_budget{collector=\"proxmox-memory\"} 1"),
                    health.metrics());
            assertTrue(health.metrics().contains("} 0\n"), "source_up 0");

            pve.stubFor(get(urlPathEqualTo(STATUS_PATH)).willReturn(okJson(data(NODE_STATUS_PVE9))));
            clock.advance(Duration.ofMinutes(5));
            assertEquals(1, poller.pollOnce());
            text = log.text();
        }
        assertTrue(health.ready());
        assertTrue(health.readyJson().startsWith("{\"status\":\"UP\""));
        assertTrue(health.metrics().contains("correlator_collector_sources_over_budget{collector=\"proxmox-memory\"} 0"));
        assertEquals(1, log(text, "WARN", "node ruapehu: failing", "HTTP 500 proxy loop detected"), text);
        assertEquals(1, log(text, "INFO", "node ruapehu: recovered after"), text);
        assertEquals(0, log(text, "WARN", "still failing"), text);
    }

    private static long log(String text, String... parts) {
        return text.lines().filter(l -> java.util.Arrays.stream(parts).allMatch(l::contains)).count();
    }
}
