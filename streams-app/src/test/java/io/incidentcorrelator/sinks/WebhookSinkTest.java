package io.incidentcorrelator.sinks;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.replay.ContractJson;
import io.incidentcorrelator.testsupport.Incidents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebhookSinkTest {

    private static final Incident BACKUP = Incidents.incident("monit", IncidentCategory.BACKUP_IO_CONTENTION,
            "2026-02-27T02:50:07Z", 8, "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q");

    private static WireMockServer receiver;
    private String secret;
    private final SettableClock clock = new SettableClock(java.time.Instant.parse("2026-02-27T03:00:00Z"));

    static final class SettableClock extends java.time.Clock {
        private java.time.Instant now;

        SettableClock(java.time.Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    @BeforeAll
    static void startReceiver() {
        receiver = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        receiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.stop();
    }

    @BeforeEach
    void reset() {
        receiver.resetAll();
        secret = UUID.randomUUID().toString();
    }

    private WebhookSink sink(String signingSecret, int maxAttempts) {
        final HttpSender http = new HttpSender(HttpSender.client(null, Duration.ofSeconds(5)), null,
                new HttpSender.Retry(maxAttempts, Duration.ofMillis(10), Duration.ofMillis(40)), Duration.ofSeconds(5));
        return new WebhookSink(URI.create(receiver.baseUrl() + "/hooks/incidents"), http, signingSecret,
                WebhookSink.DEFAULT_SIGNATURE_HEADER, (id, incident) -> true, clock);
    }

    @Test
    void postsTheContractJsonSignedWithTheSecret() throws Exception {
        receiver.stubFor(post(urlEqualTo("/hooks/incidents")).willReturn(aResponse().withStatus(204)));

        sink(secret, 3).accept(BACKUP.getId(), BACKUP, "incidents-0-7");

        final LoggedRequest request = onlyRequest();
        assertEquals(ContractJson.toJsonLine(BACKUP), request.getBodyAsString());
        assertEquals("application/json", request.getHeader("Content-Type"));
        assertEquals("revision", request.getHeader("X-Incident-Correlator-Event"));
        assertEquals(BACKUP.getId(), request.getHeader("X-Incident-Correlator-Id"));
        assertEquals("incidents-0-7", request.getHeader("X-Incident-Correlator-Delivery"));
        // What a receiver does (docs/consumers.md): HMAC-SHA256 over "t.delivery.body" with the shared secret.
        final Receiver check = new Receiver(secret, Duration.ofMinutes(5), clock);
        assertEquals(Receiver.Verdict.OK, check.verify(request));
        assertTrue(request.getHeader(WebhookSink.DEFAULT_SIGNATURE_HEADER).startsWith("t=" + clock.instant().getEpochSecond()
                + ",v1="), request.getHeader(WebhookSink.DEFAULT_SIGNATURE_HEADER));
    }

    @Test
    void aCapturedDeliveryIsRefusedWhenReplayedLateOrTwiceOrAltered() throws Exception {
        receiver.stubFor(post(urlEqualTo("/hooks/incidents")).willReturn(aResponse().withStatus(204)));
        sink(secret, 3).accept(BACKUP.getId(), BACKUP, "incidents-0-7");
        final LoggedRequest captured = onlyRequest();
        final Receiver check = new Receiver(secret, Duration.ofMinutes(5), clock);

        assertEquals(Receiver.Verdict.OK, check.verify(captured));
        assertEquals(Receiver.Verdict.REPLAYED, check.verify(captured), "the same delivery id twice");
        clock.advance(Duration.ofMinutes(6));
        assertEquals(Receiver.Verdict.TOO_OLD, new Receiver(secret, Duration.ofMinutes(5), clock).verify(captured),
                "older than the tolerance, even for a receiver that forgot the ids");
        assertEquals(Receiver.Verdict.BAD_SIGNATURE,
                new Receiver("other-" + secret, Duration.ofMinutes(5), clock).verify(captured));
    }

    /**
     * The receiver check exactly as docs/consumers.md describes it: parse t and v1, recompute the
     * HMAC over "t.delivery.body", compare in constant time, refuse t outside the tolerance and
     * delivery ids already seen (remembered for the tolerance).
     */
    static final class Receiver {
        enum Verdict { OK, BAD_SIGNATURE, TOO_OLD, REPLAYED }

        private final byte[] key;
        private final Duration tolerance;
        private final java.time.Clock clock;
        private final java.util.Map<String, Long> seen = new java.util.HashMap<>();

        Receiver(String secret, Duration tolerance, java.time.Clock clock) {
            this.key = secret.getBytes(StandardCharsets.UTF_8);
            this.tolerance = tolerance;
            this.clock = clock;
        }

        Verdict verify(LoggedRequest request) throws Exception {
            final String header = request.getHeader("X-Incident-Correlator-Signature");
            final String delivery = request.getHeader("X-Incident-Correlator-Delivery");
            long t = -1;
            String v1 = null;
            for (String part : header.split(",")) {
                final String[] kv = part.split("=", 2);
                if (kv[0].strip().equals("t")) {
                    t = Long.parseLong(kv[1].strip());
                } else if (kv[0].strip().equals("v1")) {
                    v1 = kv[1].strip();
                }
            }
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((t + "." + delivery + ".").getBytes(StandardCharsets.UTF_8));
            final String expected = HexFormat.of().formatHex(mac.doFinal(request.getBody()));
            if (v1 == null || !java.security.MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                    v1.getBytes(StandardCharsets.US_ASCII))) {
                return Verdict.BAD_SIGNATURE;
            }
            final long now = clock.instant().getEpochSecond();
            if (Math.abs(now - t) > tolerance.toSeconds()) {
                return Verdict.TOO_OLD;
            }
            seen.values().removeIf(at -> now - at > tolerance.toSeconds());
            if (seen.putIfAbsent(delivery, t) != null) {
                return Verdict.REPLAYED;
            }
            return Verdict.OK;
        }
    }

    @Test
    void aRedirectIsAFailureRetriedNotASkip() {
        receiver.stubFor(post(urlEqualTo("/hooks/incidents")).willReturn(aResponse().withStatus(302)
                .withHeader("Location", "https://elsewhere.example/hooks/T0KEN-in-path?sig=abc")));
        final SinkException e = assertThrows(SinkException.class,
                () -> sink(secret, 3).accept(BACKUP.getId(), BACKUP, "incidents-0-7"));
        assertTrue(e.getMessage().contains("HTTP 302 redirect to https://elsewhere.example/… (not followed"),
                e.getMessage());
        assertFalse(e.getMessage().contains("T0KEN"), e.getMessage());
        assertFalse(e.getMessage().contains("/hooks/incidents"), "the sink's own URL path is not shown either");
        assertEquals(3, receiver.findAll(postRequestedFor(urlEqualTo("/hooks/incidents"))).size());
    }

    @Test
    void withoutASecretNothingIsSignedAndARetractionIsSentAsDeleted() throws Exception {
        receiver.stubFor(post(urlEqualTo("/hooks/incidents")).willReturn(aResponse().withStatus(200)));

        sink(null, 3).accept(BACKUP.getId(), null, "incidents-0-8");

        final LoggedRequest request = onlyRequest();
        assertEquals("{\"id\":\"monit.backup-io-contention.20260227T025007Z\",\"deleted\":true}", request.getBodyAsString());
        assertEquals("retraction", request.getHeader("X-Incident-Correlator-Event"));
        assertFalse(request.containsHeader(WebhookSink.DEFAULT_SIGNATURE_HEADER));
    }

    @Test
    void serverErrorsAreRetriedWithTheSameBody() throws Exception {
        receiver.stubFor(post(urlEqualTo("/hooks/incidents")).inScenario("flaky").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("second"));
        receiver.stubFor(post(urlEqualTo("/hooks/incidents")).inScenario("flaky").whenScenarioStateIs("second")
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "0")).willSetStateTo("up"));
        receiver.stubFor(post(urlEqualTo("/hooks/incidents")).inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(202)));

        sink(secret, 5).accept(BACKUP.getId(), BACKUP, "incidents-0-7");

        final List<LoggedRequest> requests = receiver.findAll(postRequestedFor(urlEqualTo("/hooks/incidents")));
        assertEquals(3, requests.size());
        assertEquals(1, requests.stream().map(LoggedRequest::getBodyAsString).distinct().count());
        assertEquals(1, requests.stream().map(r -> r.getHeader(WebhookSink.DEFAULT_SIGNATURE_HEADER)).distinct().count());
    }

    @Test
    void whenRetriesRunOutTheSinkStops() {
        receiver.stubFor(post(urlEqualTo("/hooks/incidents")).willReturn(aResponse().withStatus(502).withBody("bad gateway")));
        final SinkException e = assertThrows(SinkException.class,
                () -> sink(secret, 3).accept(BACKUP.getId(), BACKUP, "incidents-0-7"));
        assertTrue(e.getMessage().contains("failed 3 times, last: HTTP 502 bad gateway"), e.getMessage());
        assertEquals(3, receiver.findAll(postRequestedFor(urlEqualTo("/hooks/incidents"))).size());
    }

    @Test
    void aRefusedPayloadIsSkippedButRefusedCredentialsStopTheSink() throws Exception {
        receiver.stubFor(post(urlEqualTo("/hooks/incidents")).willReturn(aResponse().withStatus(422)));
        sink(secret, 3).accept(BACKUP.getId(), BACKUP, "incidents-0-7");
        assertEquals(1, receiver.findAll(postRequestedFor(urlEqualTo("/hooks/incidents"))).size(), "4xx: not retried");

        receiver.stubFor(post(urlEqualTo("/hooks/incidents")).willReturn(aResponse().withStatus(403)));
        assertThrows(SinkException.class, () -> sink(secret, 3).accept(BACKUP.getId(), BACKUP, "incidents-0-8"));
    }

    private static LoggedRequest onlyRequest() {
        final List<LoggedRequest> requests = receiver.findAll(postRequestedFor(urlEqualTo("/hooks/incidents")));
        assertEquals(1, requests.size());
        return requests.get(0);
    }
}
