package io.incidentcorrelator.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.collectors.testing.MutableClock;
import io.incidentcorrelator.testsupport.Incidents;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alerts for incidents to act on, against WireMock answering as Alertmanager's API v2
 * documents: {@code POST /api/v2/alerts} (an array) → 200 with no body, {@code GET /api/v2/alerts}
 * → the gettable alerts with labels, annotations, startsAt, endsAt and status.
 */
class IncidentAlertsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALERTS = "/api/v2/alerts";
    private static final Instant NOW = Instant.parse("2026-02-27T03:00:00Z");

    /** Not transient: one pod, restarted from 02:40 to 02:49. */
    private static final Incident CRASH = Incident.newBuilder(Incidents.incident("monit", IncidentCategory.APP_CRASH,
                    "2026-02-27T02:40:00Z", 9, "monitoring/grafana-6c9f7d5b4-q8w2e"))
            .setRecommendedActions(List.of("Read the logs of the container that exited.", "Roll back the last change."))
            .build();

    @RegisterExtension
    static final WireMockExtension alertmanager = FakeAlertmanager.extension();
    private final MutableClock clock = new MutableClock(NOW);
    private String token;
    private IncidentAlerts alerts;

    @BeforeEach
    void newSink() {
        alertmanager.stubFor(post(urlEqualTo(ALERTS)).willReturn(aResponse().withStatus(200)));
        token = UUID.randomUUID().toString();
        alerts = new IncidentAlerts(FakeAlertmanager.client(alertmanager, token),
                new IncidentAlerts.Settings(IncidentAlerts.DEFAULT_ALERT_NAME, "cluster",
                        URI.create("https://correlator.home.example/"), Duration.ofMinutes(1), Duration.ofHours(6)),
                clock);
    }

    @Test
    void anIncidentToActOnFiresOneAlertPerPodWithItsExplanationAndLink() throws Exception {
        alerts.accept(CRASH.getId(), CRASH, "incidents-0-0");

        final JsonNode alert = onlyAlertOf(onlyPost());
        assertEquals(Map.of("alertname", "IncidentCorrelated", "cluster", "monit", "category", "APP_CRASH",
                "namespace", "monitoring", "pod", "grafana-6c9f7d5b4-q8w2e", "incident", CRASH.getId()),
                JSON.convertValue(alert.get("labels"), Map.class));
        final JsonNode annotations = alert.get("annotations");
        assertEquals(CRASH.getSummary(), annotations.get("summary").asText());
        assertEquals("- Read the logs of the container that exited.\n- Roll back the last change.",
                annotations.get("recommended_actions").asText());
        final String link = "https://correlator.home.example/#incident=" + CRASH.getId();
        assertEquals(link, annotations.get("incident_url").asText());
        assertEquals(link, alert.get("generatorURL").asText());
        assertEquals("2026-02-27T02:40:00Z", alert.get("startsAt").asText(), "the first restart");
        assertEquals("2026-02-27T03:04:00Z", alert.get("endsAt").asText(), "now + 4 × the resend interval");
        alertmanager.verify(postRequestedFor(urlEqualTo(ALERTS)).withHeader("Authorization", equalTo("Bearer " + token))
                .withHeader("Content-Type", equalTo("application/json")));
    }

    @Test
    void itIsReSentWhileActiveAndEndsWhenTheIncidentResolves() throws Exception {
        alerts.accept(CRASH.getId(), CRASH, "incidents-0-0");
        alerts.tick();
        alertmanager.resetRequests();

        alerts.tick();
        assertEquals(0, posts().size(), "not again within the resend interval");
        // Another incident's revision posts its own alert only, and delays nothing.
        clock.advance(Duration.ofSeconds(50));
        final Incident other = Incidents.incident("prod", IncidentCategory.OOM_KILLED, "2026-02-27T02:55:00Z", 3,
                "apps/api-5f7c9d8b6-abcde");
        alerts.accept(other.getId(), other, "incidents-1-0");
        assertEquals(List.of(other.getId()), alertsOf(onlyPost()).stream()
                .map(a -> a.get("labels").get("incident").asText()).toList());
        alertmanager.resetRequests();
        clock.advance(Duration.ofSeconds(11));
        alerts.tick();
        final JsonNode again = alertsOf(onlyPost()).stream()
                .filter(a -> a.get("labels").get("incident").asText().equals(CRASH.getId())).findFirst().orElseThrow();
        alerts.accept(other.getId(), null, "incidents-1-1");
        assertEquals("2026-02-27T03:05:01Z", again.get("endsAt").asText(), "pushed out, before it would have ended");
        assertEquals("2026-02-27T02:40:00Z", again.get("startsAt").asText());

        alertmanager.resetRequests();
        clock.advance(Duration.ofMinutes(10));
        alerts.accept(CRASH.getId(), Incidents.revise(CRASH, IncidentStatus.RESOLVED), "incidents-0-1");
        final JsonNode ended = onlyAlertOf(onlyPost());
        assertEquals("2026-02-27T03:11:01Z", ended.get("endsAt").asText(), "ends now");
        assertEquals(CRASH.getId(), ended.get("labels").get("incident").asText());
        assertTrue(alerts.firingFor(CRASH.getId()).isEmpty());

        alertmanager.resetRequests();
        clock.advance(Duration.ofMinutes(2));
        alerts.tick();
        alerts.accept(CRASH.getId(), Incidents.revise(CRASH, IncidentStatus.RESOLVED), "incidents-0-1");
        assertEquals(0, posts().size(), "a resolved alert is not re-sent");
    }

    @Test
    void transientHistoricAndRetractedIncidentsFireNothing() throws Exception {
        final Incident backup = Incidents.incident("monit", IncidentCategory.BACKUP_IO_CONTENTION, "2026-02-27T02:50:07Z",
                8, "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q");
        alerts.accept(backup.getId(), backup, "incidents-0-0");
        final Incident lastWeek = Incidents.incident("monit", IncidentCategory.APP_CRASH, "2026-02-20T02:40:00Z", 9,
                "monitoring/grafana-6c9f7d5b4-q8w2e");
        alerts.accept(lastWeek.getId(), lastWeek, "incidents-0-1");
        alerts.accept("monit.app-crash.20260227T020000Z", null, "incidents-0-2");
        alerts.tick();
        assertEquals(0, alertmanager.getAllServeEvents().size(), "no call at all");
    }

    @Test
    void aRevisionThatDropsAPodOrTurnsTransientEndsThoseAlerts() throws Exception {
        final Incident two = Incident.newBuilder(CRASH)
                .setPods(Incidents.podSummaries("monitoring/grafana-6c9f7d5b4-q8w2e", "monitoring/loki-0")).build();
        alerts.accept(two.getId(), two, "incidents-0-0");
        assertEquals(2, alertsOf(onlyPost()).size(), "one per pod");

        alertmanager.resetRequests();
        alerts.accept(two.getId(), Incidents.revise(CRASH, IncidentStatus.UPDATED), "incidents-0-1");
        final List<JsonNode> sent = alertsOf(onlyPost());
        assertEquals(2, sent.size());
        final JsonNode loki = sent.stream().filter(a -> a.get("labels").get("pod").asText().equals("loki-0"))
                .findFirst().orElseThrow();
        assertEquals(NOW.toString(), loki.get("endsAt").asText(), "the dropped pod's alert ends");

        alertmanager.resetRequests();
        alerts.accept(two.getId(), Incident.newBuilder(Incidents.revise(CRASH, IncidentStatus.UPDATED))
                .setTransient$(true).build(), "incidents-0-2");
        assertEquals(NOW.toString(), onlyAlertOf(onlyPost()).get("endsAt").asText(), "healed: no longer to act on");
    }

    @Test
    void onStartItKeepsReSendingTheAlertsItFiredBefore() throws Exception {
        alertmanager.stubFor(get(urlPathEqualTo(ALERTS)).withQueryParam("filter", equalTo("alertname=\"IncidentCorrelated\""))
                .willReturn(okJson("""
                [{"labels": {"alertname": "IncidentCorrelated", "cluster": "monit", "category": "APP_CRASH",
                             "namespace": "monitoring", "pod": "grafana-6c9f7d5b4-q8w2e", "incident": "%s"},
                  "annotations": {"summary": "s", "last_restart": "2026-02-27T02:49:00Z"},
                  "startsAt": "2026-02-27T02:40:00.000Z", "endsAt": "2026-02-27T03:02:00.000Z",
                  "updatedAt": "2026-02-27T02:58:00.000Z", "fingerprint": "f1", "receivers": [{"name": "mail"}],
                  "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
                  "generatorURL": "https://correlator.home.example/#incident=x"}]""".formatted(CRASH.getId()))));
        alerts.recover();
        assertEquals(1, alerts.firingFor(CRASH.getId()).size());

        alerts.tick();
        final JsonNode renewed = onlyAlertOf(onlyPost());
        assertEquals("2026-02-27T03:04:00Z", renewed.get("endsAt").asText());
        assertEquals("s", renewed.get("annotations").get("summary").asText());

        // Its incident resolved while the sink was down: the next revision read ends it.
        alertmanager.resetRequests();
        alerts.accept(CRASH.getId(), Incidents.revise(CRASH, IncidentStatus.RESOLVED), "incidents-0-1");
        assertEquals(NOW.toString(), onlyAlertOf(onlyPost()).get("endsAt").asText());
    }

    @Test
    void anIncidentThePipelineNeverResolvesStopsFiringAfterTheMaximumAge() throws Exception {
        alerts.accept(CRASH.getId(), CRASH, "incidents-0-0");
        alertmanager.resetRequests();
        clock.advance(Duration.ofHours(7));
        alerts.tick();
        assertEquals("2026-02-27T10:00:00Z", onlyAlertOf(onlyPost()).get("endsAt").asText());
        assertTrue(alerts.firingFor(CRASH.getId()).isEmpty());
    }

    @Test
    void refusedCredentialsStopTheSinkWithoutShowingThem() {
        alertmanager.stubFor(post(urlEqualTo(ALERTS)).willReturn(aResponse().withStatus(401)
                .withBody("Unauthorized: Bearer " + token)));
        final SinkException e = assertThrows(SinkException.class, () -> alerts.accept(CRASH.getId(), CRASH, "incidents-0-0"));
        assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
        assertFalse(e.getMessage().contains(token), "no secret in messages: " + e.getMessage());
    }

    private static List<JsonNode> posts() throws Exception {
        final List<JsonNode> bodies = new ArrayList<>();
        for (var r : alertmanager.findAll(postRequestedFor(urlEqualTo(ALERTS)))) {
            bodies.add(JSON.readTree(r.getBodyAsString()));
        }
        return bodies;
    }

    private static JsonNode onlyPost() throws Exception {
        final List<JsonNode> posts = posts();
        assertEquals(1, posts.size(), "POSTs: " + posts);
        return posts.get(0);
    }

    private static List<JsonNode> alertsOf(JsonNode body) {
        assertTrue(body.isArray(), body.toString());
        final List<JsonNode> items = new ArrayList<>();
        body.forEach(items::add);
        return items;
    }

    private static JsonNode onlyAlertOf(JsonNode body) {
        final List<JsonNode> items = alertsOf(body);
        assertEquals(1, items.size(), body.toString());
        return items.get(0);
    }
}
