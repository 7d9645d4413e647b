package io.incidentcorrelator.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.testsupport.Incidents;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Alertmanager sink against WireMock answering as Alertmanager's API v2 documents:
 * {@code POST /api/v2/silences} → {@code {"silenceID": ...}}, {@code GET /api/v2/silences} →
 * gettable silences with {@code status.state}, {@code DELETE /api/v2/silence/{id}} → 200.
 */
class AlertmanagerSinkTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-02-27T03:00:00Z");
    private static final String SILENCES = "/api/v2/silences";

    /** Transient, pods of one namespace, last restart 02:58:07. */
    private static final Incident BACKUP = Incidents.incident("monit", IncidentCategory.BACKUP_IO_CONTENTION,
            "2026-02-27T02:50:07Z", 8, "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q");

    @RegisterExtension
    static final WireMockExtension alertmanager = FakeAlertmanager.extension();
    private String token;
    private AlertmanagerSink sink;

    @BeforeEach
    void newSink() {
        alertmanager.stubFor(delete(urlEqualTo("/api/v2/silence/s-1")).willReturn(aResponse().withStatus(200)));
        token = UUID.randomUUID().toString();
        sink = new AlertmanagerSink(FakeAlertmanager.client(alertmanager, token),
                new AlertmanagerSink.Settings(AlertmanagerSink.Settings.DEFAULT_ALERTS, "cluster", Duration.ofHours(1),
                        "incident-correlator"),
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @Test
    void aTransientIncidentGetsASilenceOfItsPodsCrashLoopAlertUntilItsEndPlusTheMargin() throws Exception {
        givenPostAnswers("s-1");

        sink.accept(BACKUP.getId(), BACKUP, "incidents-0-0");

        final JsonNode body = onlyPost();
        assertFalse(body.has("id"), "a new silence has no id");
        assertEquals(List.of(
                matcher("alertname", "HomelabPodCrashLooping|KubePodCrashLooping", true),
                matcher("cluster", "monit", false),
                matcher("namespace", "monitoring", false),
                matcher("pod", "kube-state-metrics-7d9c6b8f5-x2x8q", true)), List.copyOf(iterable(body.get("matchers"))));
        assertEquals("2026-02-27T03:00:00Z", body.get("startsAt").asText());
        assertEquals("2026-02-27T03:58:07Z", body.get("endsAt").asText(), "windowEnd + 1h");
        assertEquals("incident-correlator", body.get("createdBy").asText());
        assertEquals("incident-correlator:monit.backup-io-contention.20260227T025007Z BACKUP_IO_CONTENTION (transient): "
                + BACKUP.getSummary(), body.get("comment").asText());
        assertEquals("s-1", sink.silenceOf(BACKUP.getId()));
        alertmanager.verify(postRequestedFor(urlEqualTo(SILENCES)).withHeader("Authorization", equalTo("Bearer " + token))
                .withHeader("Content-Type", equalTo("application/json")));
    }

    @Test
    void laterRevisionsUpdateTheSilenceAndResolutionExpiresIt() throws Exception {
        givenPostAnswers("s-1");
        sink.accept(BACKUP.getId(), BACKUP, "incidents-0-0");
        sink.accept(BACKUP.getId(), BACKUP, "incidents-0-0");
        assertEquals(1, alertmanager.findAll(postRequestedFor(urlEqualTo(SILENCES))).size(),
                "a redelivered revision changes nothing");

        // Alertmanager replaces a silence whose matchers change: a new id comes back.
        alertmanager.resetRequests();
        givenPostAnswers("s-2");
        final Incident grown = Incident.newBuilder(Incidents.revise(BACKUP, IncidentStatus.UPDATED))
                .setPods(Incidents.podSummaries("monitoring/kube-state-metrics-7d9c6b8f5-x2x8q", "monitoring/prometheus-k8s-0"))
                .setWindowEnd(Instant.parse("2026-02-27T03:05:00Z")).build();
        sink.accept(BACKUP.getId(), grown, "incidents-0-1");
        final JsonNode update = onlyPost();
        assertEquals("s-1", update.get("id").asText(), "an update names the silence");
        assertEquals(matcher("pod", "kube-state-metrics-7d9c6b8f5-x2x8q|prometheus-k8s-0", true), update.get("matchers").get(3));
        assertEquals("2026-02-27T03:00:00Z", update.get("startsAt").asText(), "the start stays, so it can update in place");
        assertEquals("2026-02-27T04:05:00Z", update.get("endsAt").asText());
        assertEquals("s-2", sink.silenceOf(BACKUP.getId()));

        alertmanager.stubFor(delete(urlEqualTo("/api/v2/silence/s-2")).willReturn(aResponse().withStatus(200)));
        sink.accept(BACKUP.getId(), Incidents.revise(grown, IncidentStatus.RESOLVED), "incidents-0-2");
        alertmanager.verify(1, deleteRequestedFor(urlEqualTo("/api/v2/silence/s-2"))
                .withHeader("Authorization", equalTo("Bearer " + token)));
        assertNull(sink.silenceOf(BACKUP.getId()));
    }

    @Test
    void aRetractedIncidentOrOneNoLongerTransientLosesItsSilence() throws Exception {
        givenPostAnswers("s-1");
        sink.accept(BACKUP.getId(), BACKUP, "incidents-0-0");
        sink.accept(BACKUP.getId(), null, "incidents-0-1");
        alertmanager.verify(1, deleteRequestedFor(urlEqualTo("/api/v2/silence/s-1")));

        sink.accept(BACKUP.getId(), BACKUP, "incidents-0-2");
        sink.accept(BACKUP.getId(), Incident.newBuilder(Incidents.revise(BACKUP, IncidentStatus.UPDATED))
                .setTransient$(false).build(), "incidents-0-3");
        alertmanager.verify(2, deleteRequestedFor(urlEqualTo("/api/v2/silence/s-1")));
    }

    @Test
    void incidentsToActOnAndHistoryAreNeverSilenced() throws Exception {
        givenPostAnswers("s-1");
        final Incident crash = Incidents.incident("monit", IncidentCategory.APP_CRASH, "2026-02-27T02:40:00Z", 9,
                "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q");
        sink.accept(crash.getId(), crash, "incidents-0-0");
        final Incident lastNight = Incidents.incident("monit", IncidentCategory.BACKUP_IO_CONTENTION,
                "2026-02-26T02:50:00Z", 30, "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q");
        sink.accept(lastNight.getId(), lastNight, "incidents-0-1");
        sink.accept("monit.app-crash.20260227T020000Z", null, "incidents-0-2");
        assertEquals(0, alertmanager.getAllServeEvents().size(), "no call at all");
    }

    @Test
    void onStartItFindsItsOwnLiveSilencesByTheMarker() throws Exception {
        alertmanager.stubFor(get(urlEqualTo(SILENCES)).willReturn(okJson("""
                [
                  {"id": "s-1", "status": {"state": "active"}, "updatedAt": "2026-02-27T02:59:00.000Z",
                   "matchers": [
                     {"name": "alertname", "value": "HomelabPodCrashLooping|KubePodCrashLooping", "isRegex": true, "isEqual": true},
                     {"name": "cluster", "value": "monit", "isRegex": false, "isEqual": true},
                     {"name": "namespace", "value": "monitoring", "isRegex": false, "isEqual": true},
                     {"name": "pod", "value": "kube-state-metrics-7d9c6b8f5-x2x8q", "isRegex": true, "isEqual": true}],
                   "startsAt": "2026-02-27T02:59:00.000Z", "endsAt": "2026-02-27T03:58:07.000Z",
                   "createdBy": "incident-correlator",
                   "comment": "incident-correlator:monit.backup-io-contention.20260227T025007Z BACKUP_IO_CONTENTION (transient): x"},
                  {"id": "s-0", "status": {"state": "expired"}, "updatedAt": "2026-02-26T04:00:00Z",
                   "matchers": [{"name": "pod", "value": "a", "isRegex": false, "isEqual": true}],
                   "startsAt": "2026-02-26T03:00:00Z", "endsAt": "2026-02-26T04:00:00Z", "createdBy": "incident-correlator",
                   "comment": "incident-correlator:monit.backup-io-contention.20260226T025000Z BACKUP_IO_CONTENTION (transient): y"},
                  {"id": "s-human", "status": {"state": "active"}, "updatedAt": "2026-02-27T01:00:00Z",
                   "matchers": [{"name": "alertname", "value": "Watchdog", "isRegex": false, "isEqual": true}],
                   "startsAt": "2026-02-27T01:00:00Z", "endsAt": "2026-02-28T01:00:00Z", "createdBy": "me", "comment": "noisy"}
                ]""")));

        sink.recover();

        assertEquals("s-1", sink.silenceOf(BACKUP.getId()));
        assertNull(sink.silenceOf("monit.backup-io-contention.20260226T025000Z"), "expired ones are history");
        sink.accept(BACKUP.getId(), BACKUP, "incidents-0-0");
        assertEquals(0, alertmanager.findAll(postRequestedFor(urlEqualTo(SILENCES))).size(),
                "the silence it finds already covers the revision");
        sink.accept(BACKUP.getId(), Incidents.revise(BACKUP, IncidentStatus.RESOLVED), "incidents-0-1");
        alertmanager.verify(1, deleteRequestedFor(urlEqualTo("/api/v2/silence/s-1")));
    }

    @Test
    void serverErrorsAreRetriedAndASilenceGoneFromAlertmanagerIsMadeAgain() throws Exception {
        alertmanager.stubFor(post(urlEqualTo(SILENCES)).inScenario("flaky").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503).withBody("busy")).willSetStateTo("up"));
        alertmanager.stubFor(post(urlEqualTo(SILENCES)).inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(okJson("{\"silenceID\": \"s-1\"}")));
        sink.accept(BACKUP.getId(), BACKUP, "incidents-0-0");
        assertEquals(2, alertmanager.findAll(postRequestedFor(urlEqualTo(SILENCES))).size());
        assertEquals("s-1", sink.silenceOf(BACKUP.getId()));

        // Someone expired it and Alertmanager forgot it: an update by id is a 404, so create anew.
        alertmanager.resetAll();
        alertmanager.stubFor(post(urlEqualTo(SILENCES)).withRequestBody(matchingJsonPath("$.id"))
                .willReturn(aResponse().withStatus(404).withBody("\"silence not found\"")));
        alertmanager.stubFor(post(urlEqualTo(SILENCES)).atPriority(10).willReturn(okJson("{\"silenceID\": \"s-3\"}")));
        sink.accept(BACKUP.getId(), Incident.newBuilder(Incidents.revise(BACKUP, IncidentStatus.UPDATED))
                .setWindowEnd(Instant.parse("2026-02-27T03:10:00Z")).build(), "incidents-0-1");
        assertEquals("s-3", sink.silenceOf(BACKUP.getId()));
    }

    @Test
    void aSilenceExpiredMeanwhileIsNotAnError() throws Exception {
        givenPostAnswers("s-1");
        sink.accept(BACKUP.getId(), BACKUP, "incidents-0-0");
        alertmanager.stubFor(delete(urlEqualTo("/api/v2/silence/s-1"))
                .willReturn(aResponse().withStatus(500).withBody("\"silence s-1 already expired\"")));
        sink.accept(BACKUP.getId(), null, "incidents-0-1");
        alertmanager.verify(1, deleteRequestedFor(urlEqualTo("/api/v2/silence/s-1")));
    }

    @Test
    void refusedCredentialsStopTheSink() {
        alertmanager.stubFor(post(urlEqualTo(SILENCES)).willReturn(aResponse().withStatus(401).withBody("Unauthorized")));
        final SinkException e = assertThrows(SinkException.class, () -> sink.accept(BACKUP.getId(), BACKUP, "incidents-0-0"));
        assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
        assertFalse(e.getMessage().contains(token), "no secret in messages");
    }

    private static void givenPostAnswers(String silenceId) {
        alertmanager.stubFor(post(urlEqualTo(SILENCES)).willReturn(okJson("{\"silenceID\": \"" + silenceId + "\"}")));
    }

    private static JsonNode onlyPost() throws Exception {
        final List<LoggedRequest> posts = alertmanager.findAll(postRequestedFor(urlEqualTo(SILENCES)));
        assertEquals(1, posts.size(), "POSTs: " + posts);
        return JSON.readTree(posts.get(0).getBodyAsString());
    }

    private static JsonNode matcher(String name, String value, boolean isRegex) {
        return JSON.createObjectNode().put("name", name).put("value", value).put("isRegex", isRegex).put("isEqual", true);
    }

    private static List<JsonNode> iterable(JsonNode array) {
        final List<JsonNode> items = new java.util.ArrayList<>();
        array.forEach(items::add);
        return items;
    }
}
