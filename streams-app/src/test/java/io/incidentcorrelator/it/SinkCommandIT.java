package io.incidentcorrelator.it;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.sinks.WebhookSink;
import io.incidentcorrelator.testsupport.IncidentTopic;
import io.incidentcorrelator.testsupport.Incidents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code correlator sink ... --once} as a user runs it: the topic through the registry, offsets kept in the group. */
class SinkCommandIT {

    private static IncidentTopic topic;
    private static WireMockServer http;

    @BeforeAll
    static void start() {
        topic = IncidentTopic.start();
        http = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        http.start();
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.stop();
        }
        if (topic != null) {
            topic.close();
        }
    }

    @Test
    void webhookDeliversEachRecordOnceAcrossRuns(@TempDir Path dir) throws Exception {
        final Path secret = Files.writeString(dir.resolve("webhook.secret"), UUID.randomUUID() + "\n");
        http.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(204)));
        // Not transient: the Alertmanager test shares the topic and must not silence these.
        final Incident crash = Incidents.incident("prod", IncidentCategory.APP_CRASH, "2026-02-27T12:10:00Z", 9,
                "apps/api-5f7c9d8b6-abcde");
        final long t = Instant.parse("2026-02-27T12:20:00Z").toEpochMilli();
        topic.transaction(true, IncidentTopic.revision(crash, t), IncidentTopic.tombstone("prod.app-crash.20260227T110000Z", t));

        final List<String> webhook = List.of("sink", "webhook");
        final String[] options = {"--once", "--from-beginning", "--group-id", "webhook-it", "--url", http.baseUrl() + "/hook",
                "--signature-secret-file", secret.toString()};
        topic.correlator(webhook, options);
        List<LoggedRequest> posts = http.findAll(postRequestedFor(urlEqualTo("/hook")));
        assertEquals(2, posts.size());
        final LoggedRequest first = posts.stream().filter(r -> r.getHeader("X-Incident-Correlator-Event").equals("revision"))
                .findFirst().orElseThrow();
        final String signed = first.getHeader(WebhookSink.DEFAULT_SIGNATURE_HEADER);
        final long signedAt = Long.parseLong(signed.substring(2, signed.indexOf(',')));
        assertEquals(WebhookSink.signature(Files.readString(secret).strip().getBytes(StandardCharsets.UTF_8), signedAt,
                first.getHeader("X-Incident-Correlator-Delivery"), first.getBody()), signed);

        topic.transaction(true, IncidentTopic.revision(Incidents.revise(crash, IncidentStatus.RESOLVED), t + 1));
        topic.correlator(webhook, options);
        posts = http.findAll(postRequestedFor(urlEqualTo("/hook")));
        assertEquals(3, posts.size(), "the second run goes on where the first committed");
    }

    @Test
    void alertmanagerSilencesTheTransientIncidentGoingOnNow() {
        http.stubFor(get(urlEqualTo("/am/api/v2/silences")).willReturn(okJson("[]")));
        http.stubFor(post(urlEqualTo("/am/api/v2/silences")).willReturn(okJson("{\"silenceID\": \"it-1\"}")));
        final Instant start = Instant.now().minus(Duration.ofMinutes(20)).truncatedTo(ChronoUnit.SECONDS);
        final Incident now = Incidents.incident("monit", IncidentCategory.BACKUP_IO_CONTENTION, start.toString(), 15,
                "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q");
        topic.transaction(true, IncidentTopic.revision(now, System.currentTimeMillis()));

        topic.correlator(List.of("sink", "alertmanager"), "--once", "--group-id", "alertmanager-it",
                "--alertmanager-url", http.baseUrl() + "/am", "--cluster-label", "cluster");

        http.verify(1, postRequestedFor(urlEqualTo("/am/api/v2/silences")));
        http.verify(1, postRequestedFor(urlEqualTo("/am/api/v2/silences"))
                .withRequestBody(containing("\"comment\":\"incident-correlator:" + now.getId())));
    }
}
