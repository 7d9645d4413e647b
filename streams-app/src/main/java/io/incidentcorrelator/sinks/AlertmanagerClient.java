package io.incidentcorrelator.sinks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The calls of Alertmanager's API v2 the sink needs: list silences
 * ({@code GET /api/v2/silences}), create or update one ({@code POST /api/v2/silences}, with
 * {@code id} to update; the answer is {@code {"silenceID": ...}}), expire one
 * ({@code DELETE /api/v2/silence/{id}}), post alerts ({@code POST /api/v2/alerts}, an array;
 * labels identify an alert, an {@code endsAt} in the past resolves it) and list the active ones
 * of an alert name ({@code GET /api/v2/alerts?filter=alertname="..."}).
 */
public final class AlertmanagerClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One matcher; Alertmanager anchors regexes at both ends. */
    public record Matcher(String name, String value, boolean isRegex, boolean isEqual) {
    }

    /**
     * @param id    null for a new silence
     * @param state {@code active}, {@code pending} or {@code expired} as listed; null for one being posted
     */
    public record Silence(String id, List<Matcher> matchers, Instant startsAt, Instant endsAt, String createdBy,
                          String comment, String state) {
    }

    /**
     * One alert as posted and listed.
     *
     * @param endsAt       when it stops firing; in the past it resolves the alert
     * @param generatorUrl the back-link to what raised it, or null
     */
    public record Alert(Map<String, String> labels, Map<String, String> annotations, Instant startsAt, Instant endsAt,
                        String generatorUrl) {
        public Alert {
            labels = Collections.unmodifiableMap(new TreeMap<>(labels));
            annotations = Collections.unmodifiableMap(new TreeMap<>(annotations));
        }

        public Alert endingAt(Instant end) {
            return new Alert(labels, annotations, startsAt, end, generatorUrl);
        }
    }

    private final URI base;
    private final HttpSender http;

    /** @param baseUrl Alertmanager's URL, with its path prefix if it has one: {@code http://alertmanager:9093} */
    public AlertmanagerClient(String baseUrl, HttpSender http) {
        final String trimmed = Objects.requireNonNull(baseUrl, "baseUrl").strip();
        this.base = URI.create(trimmed.endsWith("/") ? trimmed : trimmed + "/");
        this.http = Objects.requireNonNull(http, "http");
    }

    public List<Silence> listSilences() throws InterruptedException {
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("api/v2/silences"))
                .header("Accept", "application/json").GET(), "GET /api/v2/silences");
        requireOk(response, "GET /api/v2/silences");
        final List<Silence> silences = new ArrayList<>();
        for (JsonNode s : parse(response.body(), "GET /api/v2/silences")) {
            final List<Matcher> matchers = new ArrayList<>();
            for (JsonNode m : s.path("matchers")) {
                matchers.add(new Matcher(m.path("name").asText(), m.path("value").asText(),
                        m.path("isRegex").asBoolean(false), m.path("isEqual").asBoolean(true)));
            }
            silences.add(new Silence(s.path("id").asText(), matchers, time(s.path("startsAt")), time(s.path("endsAt")),
                    s.path("createdBy").asText(), s.path("comment").asText(), s.path("status").path("state").asText()));
        }
        return silences;
    }

    /**
     * Creates the silence, or updates the one with {@code silence.id()}. Alertmanager may
     * replace rather than update (when the matchers change, or the start of an active silence
     * would move): it then expires the old one itself and the returned id is a new one.
     *
     * @return the silence id Alertmanager answers with; null when it says there is no silence
     *         with {@code silence.id()} (404) any more
     */
    public String post(Silence silence) throws InterruptedException {
        final ObjectNode body = JSON.createObjectNode();
        if (silence.id() != null) {
            body.put("id", silence.id());
        }
        final ArrayNode matchers = body.putArray("matchers");
        for (Matcher m : silence.matchers()) {
            matchers.addObject().put("name", m.name()).put("value", m.value()).put("isRegex", m.isRegex())
                    .put("isEqual", m.isEqual());
        }
        body.put("startsAt", silence.startsAt().truncatedTo(ChronoUnit.MILLIS).toString());
        body.put("endsAt", silence.endsAt().truncatedTo(ChronoUnit.MILLIS).toString());
        body.put("createdBy", silence.createdBy());
        body.put("comment", silence.comment());
        final String what = "POST /api/v2/silences";
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("api/v2/silences"))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)), what);
        if (response.statusCode() == 404 && silence.id() != null) {
            return null;
        }
        requireOk(response, what);
        final String id = parse(response.body(), what).path("silenceID").asText("");
        if (id.isEmpty()) {
            throw new SinkException(what + ": answer without silenceID: " + HttpSender.abbreviate(response.body()));
        }
        return id;
    }

    /** Expires the silence; one that is gone (404) or expired already counts as done. */
    public void expire(String silenceId) throws InterruptedException {
        final String what = "DELETE /api/v2/silence/" + silenceId;
        // Expired meanwhile (by a person, or it ran out): Alertmanager answers 500 "already
        // expired", which no retry changes.
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                base.resolve("api/v2/silence/" + URLEncoder.encode(silenceId, StandardCharsets.UTF_8))).DELETE(), what,
                r -> r.statusCode() == 404 || r.body() != null && r.body().contains("already expired"));
        if (response.statusCode() != 404 && !response.body().contains("already expired")) {
            requireOk(response, what);
        }
    }

    /** Posts the alerts in one request; Alertmanager answers 200 with no body. */
    public void postAlerts(List<Alert> alerts) throws InterruptedException {
        final ArrayNode body = JSON.createArrayNode();
        for (Alert a : alerts) {
            final ObjectNode alert = body.addObject();
            a.labels().forEach(alert.putObject("labels")::put);
            a.annotations().forEach(alert.putObject("annotations")::put);
            alert.put("startsAt", a.startsAt().truncatedTo(ChronoUnit.MILLIS).toString());
            alert.put("endsAt", a.endsAt().truncatedTo(ChronoUnit.MILLIS).toString());
            if (a.generatorUrl() != null) {
                alert.put("generatorURL", a.generatorUrl());
            }
        }
        final String what = "POST /api/v2/alerts";
        requireOk(http.send(HttpRequest.newBuilder(base.resolve("api/v2/alerts"))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)), what), what);
    }

    /** The alerts named {@code alertName} that Alertmanager holds and that have not ended. */
    public List<Alert> listAlerts(String alertName) throws InterruptedException {
        final String what = "GET /api/v2/alerts";
        final String filter = URLEncoder.encode("alertname=\"" + alertName + "\"", StandardCharsets.UTF_8);
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("api/v2/alerts?filter="
                + filter)).header("Accept", "application/json").GET(), what);
        requireOk(response, what);
        final List<Alert> alerts = new ArrayList<>();
        for (JsonNode a : parse(response.body(), what)) {
            alerts.add(new Alert(strings(a.path("labels")), strings(a.path("annotations")), time(a.path("startsAt")),
                    time(a.path("endsAt")), a.hasNonNull("generatorURL") ? a.path("generatorURL").asText() : null));
        }
        return alerts;
    }

    private static Map<String, String> strings(JsonNode object) {
        final Map<String, String> out = new TreeMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static void requireOk(HttpResponse<String> response, String what) {
        if (response.statusCode() == 404) {
            throw new SinkException(what + ": HTTP 404: is the URL Alertmanager's, with its path prefix if it has one?");
        }
        if (response.statusCode() / 100 != 2) {
            throw new BadRequest(what + ": HTTP " + response.statusCode() + " " + HttpSender.abbreviate(response.body()));
        }
    }

    private static JsonNode parse(String body, String what) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new SinkException(what + ": answer is not JSON: " + HttpSender.abbreviate(body));
        }
    }

    private static Instant time(JsonNode node) {
        return node.isTextual() ? OffsetDateTime.parse(node.asText()).toInstant() : null;
    }

    /** Alertmanager refused this one request (a 4xx other than the fatal ones): skip it, the next may pass. */
    public static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }
}
