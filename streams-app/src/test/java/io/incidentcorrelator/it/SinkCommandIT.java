package io.incidentcorrelator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code correlator sink ... --once} as a user runs it: the topic through the registry, offsets kept in the group. */
class SinkCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();

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
    void alertmanagerSilencesTheTransientIncidentGoingOnNow() throws Exception {
        http.stubFor(get(urlEqualTo("/am/api/v2/silences")).willReturn(okJson("[]")));
        http.stubFor(get(urlPathEqualTo("/am/api/v2/alerts")).willReturn(okJson("[]")));
        // The topic is shared: another test's crash may be in it and gets its alert.
        http.stubFor(post(urlEqualTo("/am/api/v2/alerts")).willReturn(aResponse().withStatus(200)));
        http.stubFor(post(urlEqualTo("/am/api/v2/silences")).willReturn(okJson("{\"silenceID\": \"it-1\"}")));
        final Instant start = Instant.now().minus(Duration.ofMinutes(20)).truncatedTo(ChronoUnit.SECONDS);
        final Incident now = Incidents.incident("monit", IncidentCategory.BACKUP_IO_CONTENTION, start.toString(), 15,
                "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q");
        topic.transaction(true, IncidentTopic.revision(now, System.currentTimeMillis()));

        topic.correlator(List.of("sink", "alertmanager"), "--once", "--group-id", "alertmanager-it",
                "--alertmanager-url", http.baseUrl() + "/am", "--cluster-label", "cluster");

        // The topic is shared: another test's transient incident of now gets its own silence.
        http.verify(1, postRequestedFor(urlEqualTo("/am/api/v2/silences"))
                .withRequestBody(containing("\"comment\":\"incident-correlator:" + now.getId())));
        assertEquals(List.of(), alertsPosted("/am", now.getId()), "a transient incident pages nobody");
    }

    @Test
    void alertmanagerAlertsTheCrashGoingOnNowWithItsExplanationAndEndsItWhenResolved(@TempDir Path dir)
            throws Exception {
        final String token = UUID.randomUUID().toString();
        final Path tokenFile = Files.writeString(dir.resolve("alertmanager.token"), token + "\n");
        http.stubFor(get(urlEqualTo("/am2/api/v2/silences")).willReturn(okJson("[]")));
        http.stubFor(post(urlEqualTo("/am2/api/v2/silences")).willReturn(okJson("{\"silenceID\": \"it-2\"}")));
        http.stubFor(get(urlPathEqualTo("/am2/api/v2/alerts")).willReturn(okJson("[]")));
        http.stubFor(post(urlEqualTo("/am2/api/v2/alerts")).willReturn(aResponse().withStatus(200)));
        final Instant start = Instant.now().minus(Duration.ofMinutes(20)).truncatedTo(ChronoUnit.SECONDS);
        final Incident crash = Incident.newBuilder(Incidents.incident("lab", IncidentCategory.APP_CRASH,
                        start.toString(), 15, "apps/api-5f7c9d8b6-fghij"))
                .setRecommendedActions(List.of("Read the logs of the container that exited.")).build();
        final Incident healing = Incidents.incident("lab", IncidentCategory.BACKUP_IO_CONTENTION, start.toString(), 15,
                "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q");
        final long t = System.currentTimeMillis();
        topic.transaction(true, IncidentTopic.revision(crash, t), IncidentTopic.revision(healing, t));

        final List<String> command = List.of("sink", "alertmanager");
        final String[] options = {"--once", "--from-beginning", "--group-id", "alertmanager-alerts-it",
                "--alertmanager-url", http.baseUrl() + "/am2", "--web-view-url", "http://correlator.lan:8080/",
                "--bearer-token-file", tokenFile.toString()};
        topic.correlator(command, options);

        final List<JsonNode> fired = alertsPosted("/am2", crash.getId());
        assertEquals(1, fired.size(), "one alert, one pod: " + fired);
        final JsonNode alert = fired.get(0);
        assertEquals(Map.of("alertname", "IncidentCorrelated", "cluster", "lab", "category", "APP_CRASH",
                "namespace", "apps", "pod", "api-5f7c9d8b6-fghij", "incident", crash.getId()),
                JSON.convertValue(alert.get("labels"), Map.class));
        assertEquals(crash.getSummary(), alert.at("/annotations/summary").asText());
        assertEquals("- Read the logs of the container that exited.", alert.at("/annotations/recommended_actions").asText());
        assertEquals("http://correlator.lan:8080/#incident=" + crash.getId(), alert.at("/annotations/incident_url").asText());
        assertTrue(Instant.parse(alert.get("endsAt").asText()).isAfter(Instant.now()), "firing: " + alert);
        assertEquals(List.of(), alertsPosted("/am2", healing.getId()), "the transient one pages nobody");
        http.verify(postRequestedFor(urlEqualTo("/am2/api/v2/alerts")).withHeader("Authorization",
                equalTo("Bearer " + token)));

        // Resolved while no sink ran: the next one learns the firing alert from Alertmanager and ends it.
        http.stubFor(get(urlPathEqualTo("/am2/api/v2/alerts")).willReturn(okJson("[" + alert + "]")));
        topic.transaction(true, IncidentTopic.revision(Incidents.revise(crash, IncidentStatus.RESOLVED),
                System.currentTimeMillis()));
        topic.correlator(command, options);
        final List<JsonNode> all = alertsPosted("/am2", crash.getId());
        assertEquals(2, all.size(), all.toString());
        assertEquals(alert.get("labels"), all.get(1).get("labels"));
        assertFalse(Instant.parse(all.get(1).get("endsAt").asText()).isAfter(Instant.now()), "ended: " + all.get(1));
    }

    /** The alerts posted under {@code prefix} for the incident, oldest first. */
    private static List<JsonNode> alertsPosted(String prefix, String incidentId) throws Exception {
        final List<JsonNode> alerts = new ArrayList<>();
        for (LoggedRequest r : http.findAll(postRequestedFor(urlEqualTo(prefix + "/api/v2/alerts")))) {
            for (JsonNode a : JSON.readTree(r.getBodyAsString())) {
                if (a.at("/labels/incident").asText().equals(incidentId)) {
                    alerts.add(a);
                }
            }
        }
        return alerts;
    }
}
