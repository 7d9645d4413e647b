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
                WebhookSink.DEFAULT_SIGNATURE_HEADER, (id, incident) -> true);
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
        // What a receiver does: HMAC-SHA256 of the raw body with the shared secret.
        final Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertEquals("sha256=" + HexFormat.of().formatHex(mac.doFinal(request.getBody())),
                request.getHeader(WebhookSink.DEFAULT_SIGNATURE_HEADER));
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
