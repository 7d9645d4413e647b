package io.incidentcorrelator.collectors.backfill.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.collectors.TlsOptions;
import io.incidentcorrelator.collectors.internal.HttpClients;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /api/v1/query_range} against a Prometheus server (or anything speaking its HTTP
 * API: Thanos, VictoriaMetrics, Mimir). Long ranges are split so that no request asks for more
 * than {@value #MAX_POINTS} points per series (Prometheus refuses over 11,000).
 */
public final class PrometheusClient {

    static final int MAX_POINTS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One series: its labels and its points in time order. NaN and ±Inf are kept as such. */
    public record Series(Map<String, String> labels, List<Point> points) {
    }

    public record Point(Instant time, double value) {
    }

    public static final class PrometheusException extends Exception {
        PrometheusException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final URI base;
    private final String bearerToken;
    private final Duration timeout;
    private final HttpClient http;

    /** @param bearerToken sent as {@code Authorization: Bearer}; null for none. Never logged. */
    public PrometheusClient(URI base, TlsOptions tls, String bearerToken, Duration timeout) {
        this.base = URI.create(base.toString().replaceAll("/+$", ""));
        this.bearerToken = bearerToken;
        this.timeout = timeout;
        this.http = HttpClients.create(tls, timeout);
    }

    public List<Series> queryRange(String query, Instant start, Instant end, Duration step)
            throws PrometheusException, InterruptedException {
        final Map<Map<String, String>, TreeMap<Instant, Double>> merged = new LinkedHashMap<>();
        final Duration chunk = step.multipliedBy(MAX_POINTS - 1);
        Instant from = start;
        while (!from.isAfter(end)) {
            final Instant to = from.plus(chunk).isAfter(end) ? end : from.plus(chunk);
            for (Series s : fetch(query, from, to, step)) {
                final TreeMap<Instant, Double> points = merged.computeIfAbsent(s.labels(), l -> new TreeMap<>());
                s.points().forEach(p -> points.put(p.time(), p.value()));
            }
            from = to.plus(step);
        }
        final List<Series> out = new ArrayList<>();
        merged.forEach((labels, points) -> {
            final List<Point> list = new ArrayList<>(points.size());
            points.forEach((t, v) -> list.add(new Point(t, v)));
            out.add(new Series(labels, list));
        });
        return out;
    }

    private List<Series> fetch(String query, Instant start, Instant end, Duration step)
            throws PrometheusException, InterruptedException {
        final String q = "query=" + enc(query) + "&start=" + start.getEpochSecond() + "&end=" + end.getEpochSecond()
                + "&step=" + step.toSeconds();
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/v1/query_range?" + q))
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET();
        if (bearerToken != null) {
            request.header("Authorization", "Bearer " + bearerToken);
        }
        final String what = "Prometheus " + base.getAuthority() + " query_range " + shorten(query);
        final HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PrometheusException(what + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()), e);
        }
        final JsonNode root;
        try {
            root = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new PrometheusException(what + ": HTTP " + response.statusCode() + ", answer is not JSON", e);
        }
        if (response.statusCode() != 200 || !"success".equals(root.path("status").asText())) {
            throw new PrometheusException(what + ": HTTP " + response.statusCode() + " "
                    + root.path("errorType").asText("") + " " + shorten(root.path("error").asText("")), null);
        }
        final JsonNode data = root.path("data");
        if (!"matrix".equals(data.path("resultType").asText())) {
            throw new PrometheusException(what + ": expected a matrix, got " + data.path("resultType").asText("nothing"), null);
        }
        final List<Series> out = new ArrayList<>();
        for (JsonNode r : data.path("result")) {
            final Map<String, String> labels = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : r.path("metric").properties()) {
                labels.put(e.getKey(), e.getValue().asText());
            }
            final List<Point> points = new ArrayList<>();
            for (JsonNode v : r.path("values")) {
                if (v.isArray() && v.size() == 2) {
                    points.add(new Point(Instant.ofEpochMilli(Math.round(v.get(0).asDouble() * 1000)),
                            parse(v.get(1).asText())));
                }
            }
            out.add(new Series(labels, points));
        }
        return out;
    }

    private static double parse(String s) {
        return switch (s) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> {
                try {
                    yield Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    yield Double.NaN;
                }
            }
        };
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String shorten(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
