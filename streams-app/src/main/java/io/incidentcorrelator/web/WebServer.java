package io.incidentcorrelator.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.incidentcorrelator.advise.AdviceJson;
import io.incidentcorrelator.advise.BackupAdvisor;
import io.incidentcorrelator.advise.BackupHistory;
import io.incidentcorrelator.advise.SincePeriod;
import io.incidentcorrelator.advise.StartWindow;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.classify.ClassifierConfig;
import io.incidentcorrelator.replay.ContractJson;
import io.incidentcorrelator.runtime.HealthServer;
import io.incidentcorrelator.runtime.InventoryWarnings;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The web view: a single page ({@code GET /}, assets from the jar) and a read-only JSON API over
 * the topology's queryable stores.
 * <ul>
 *   <li>{@code GET /api/incidents?cluster=&category=&status=&transient=&since=&until=}: newest first;</li>
 *   <li>{@code GET /api/incidents/{id}}: one incident with its evidence, 404 when unknown;</li>
 *   <li>{@code GET /api/timeline?cluster=C&from=&to=} (or {@code &incident=ID}): the chart's data,
 *       ±1 h around the incident when no range is given, with the classifier's thresholds
 *       (etcd WAL fsync p99 ms, host memory %, balloon %) so the chart draws the lines it judged by.</li>
 *   <li>{@code GET /api/backups?since=&window=&zone=}: the backup advice ({@code /backups} draws it).</li>
 *   <li>{@code GET /api/inventory-warnings}: hosts, clusters and nodes that events named and no
 *       inventory record placed ({@link InventoryWarnings}), for the page's banner.</li>
 * </ul>
 * The server binds before Kafka Streams starts (so {@code application.server} can name the real
 * port) and answers 503 until {@link #attach} hands it the running client.
 */
public final class WebServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
    private static final Duration AROUND_INCIDENT = Duration.ofHours(1);
    private static final Map<String, String> ASSETS = Map.of(
            "/app.js", "app.js",
            "/app.css", "app.css",
            "/backups.js", "backups.js");

    /** A page: its body ({@code web/BODY}) inside the one shared head and header ({@code web/page.html}). */
    private record Page(String path, String name, String title, String body) {
    }

    /** In the header's navigation order. */
    private static final List<Page> PAGES = List.of(
            new Page("/", "Incidents", "incident-correlator", "incidents.html"),
            new Page("/backups", "Backups", "incident-correlator: backups", "backups.html"));

    private final HttpServer server;
    private final ExecutorService executor;
    private volatile IncidentQueries queries;
    private volatile ObjectNode thresholds;
    private volatile Supplier<BackupHistory> backupHistory;
    private volatile Duration backupCoolDown;
    private volatile InventoryWarnings inventoryWarnings;
    private volatile TopicNames topicNames;

    private WebServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code address} (port 0: any free port) and serves until {@link #close()}. */
    public static WebServer start(InetSocketAddress address) {
        final HttpServer server;
        try {
            server = HttpServer.create(address, 32);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot serve the web view on " + address + ": " + e.getMessage(), e);
        }
        // A few threads: a list request may wait on other instances while they ask this one.
        final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            final Thread t = new Thread(r, "correlator-web");
            t.setDaemon(true);
            return t;
        });
        final WebServer web = new WebServer(server, executor);
        server.createContext("/", web::handle);
        server.setExecutor(executor);
        server.start();
        return web;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Starts answering API requests from {@code streams}.
     *
     * @param self       this instance's {@code application.server}, or null when it is the only one
     * @param classifier the thresholds the topology classifies with, drawn on the timeline
     */
    public void attach(KafkaStreams streams, HostInfo self, ClassifierConfig classifier) {
        thresholds = Timeline.thresholds(classifier);
        queries = new IncidentQueries(streams, self);
    }

    /**
     * Starts answering {@code /api/backups}: the backup advice over {@code history}, read anew on
     * every request (the topics of a running pipeline, or a replay's events and incidents).
     */
    public void attachBackups(Supplier<BackupHistory> history, Duration coolDown) {
        backupCoolDown = coolDown;
        backupHistory = history;
    }

    /** Serves {@code /api/inventory-warnings} from {@code warnings}; its source topics named by {@code names}. */
    public void showInventoryWarnings(InventoryWarnings warnings, TopicNames names) {
        this.topicNames = names;
        this.inventoryWarnings = warnings;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            final String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
                return;
            }
            final String path = exchange.getRequestURI().getPath();
            final Optional<Page> page = PAGES.stream().filter(p -> p.path().equals(path)).findFirst();
            if (page.isPresent()) {
                send(exchange, 200, "text/html; charset=utf-8", render(page.get()));
            } else if (ASSETS.containsKey(path)) {
                asset(exchange, ASSETS.get(path));
            } else if (path.startsWith("/api/")) {
                api(exchange, path);
            } else {
                send(exchange, 404, "text/plain; charset=utf-8", "not found\n");
            }
        } catch (RuntimeException e) {
            LOG.warn("web request {} failed", exchange.getRequestURI(), e);
            error(exchange, 500, e.toString());
        }
    }

    private void api(HttpExchange exchange, String path) throws IOException {
        if (path.equals("/api/backups")) {
            backups(exchange, params(exchange.getRequestURI().getRawQuery()));
            return;
        }
        if (path.equals("/api/inventory-warnings")) {
            inventoryWarnings(exchange);
            return;
        }
        final IncidentQueries q = queries;
        if (q == null) {
            error(exchange, 503, "the topology is starting");
            return;
        }
        final String query = exchange.getRequestURI().getRawQuery();
        final Map<String, String> params = params(query);
        final boolean local = "1".equals(params.get("local"));
        final String forward = withoutLocal(query);
        try {
            if (path.equals("/api/incidents")) {
                json(exchange, 200, IncidentQueries.array(q.list(filter(params), forward, local)));
            } else if (path.startsWith("/api/incidents/") && path.length() > "/api/incidents/".length()) {
                incident(exchange, q, URLDecoder.decode(path.substring("/api/incidents/".length()),
                        StandardCharsets.UTF_8), local);
            } else if (path.equals("/api/timeline")) {
                timeline(exchange, q, params, local);
            } else {
                error(exchange, 404, "no such endpoint: " + path);
            }
        } catch (IllegalArgumentException | DateTimeParseException e) {
            error(exchange, 400, e.getMessage());
        } catch (IncidentQueries.NotReady | InvalidStateStoreException e) {
            exchange.getResponseHeaders().set("Retry-After", "2");
            error(exchange, 503, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(exchange, 503, "interrupted");
        }
    }

    private void inventoryWarnings(HttpExchange exchange) throws IOException {
        final InventoryWarnings warnings = inventoryWarnings;
        final ArrayNode out = IncidentQueries.JSON.createArrayNode();
        if (warnings != null) {
            for (InventoryWarnings.Warning w : warnings.warnings()) {
                final ObjectNode node = out.addObject().put("reason", w.gap().reason()).put("subject", w.gap().subject())
                        .put("text", w.text(topicNames));
                w.byTopic().forEach(node.putObject("byTopic")::put);
                if (w.lastEvent() != null) {
                    node.put("lastEvent", w.lastEvent().toString());
                }
            }
        }
        json(exchange, 200, out);
    }

    private void incident(HttpExchange exchange, IncidentQueries q, String id, boolean local)
            throws IOException, InterruptedException {
        final HostInfo owner = local ? null : q.ownerOf(StoreNames.INCIDENTS_VIEW, id);
        if (owner != null) {
            final IncidentQueries.Remote remote = q.get(owner, exchange.getRequestURI().getRawPath(), "");
            send(exchange, remote.status(), "application/json", remote.body());
            return;
        }
        final Optional<Incident> incident = q.localIncident(id);
        if (incident.isEmpty()) {
            error(exchange, 404, "no incident " + id);
        } else {
            json(exchange, 200, ContractJson.toJson(incident.get()));
        }
    }

    private void timeline(HttpExchange exchange, IncidentQueries q, Map<String, String> params, boolean local)
            throws IOException, InterruptedException {
        String cluster = params.get("cluster");
        Instant from = instant("from", params.get("from"), false);
        Instant to = instant("to", params.get("to"), true);
        if (from == null || to == null) {
            final Incident around = aroundWhich(q, params, cluster);
            if (around == null) {
                error(exchange, 404, "no incident to put the timeline around; give from and to");
                return;
            }
            cluster = around.getCluster();
            from = from != null ? from : around.getWindowStart().minus(AROUND_INCIDENT);
            to = to != null ? to : around.getWindowEnd().plus(AROUND_INCIDENT);
        }
        if (cluster == null || cluster.isBlank()) {
            throw new IllegalArgumentException("cluster: required (a cluster name, e.g. cluster=prod), or give "
                    + "incident=ID");
        }
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("from (" + from + ") must be before to (" + to + ")");
        }
        final HostInfo owner = local ? null : q.ownerOf(StoreNames.TIMELINE, cluster);
        if (owner != null) {
            final IncidentQueries.Remote remote = q.get(owner, "/api/timeline", "cluster=" + enc(cluster)
                    + "&from=" + from.toEpochMilli() + "&to=" + to.toEpochMilli());
            send(exchange, remote.status(), "application/json", remote.body());
            return;
        }
        json(exchange, 200, q.localTimeline(cluster, from, to).set("thresholds", thresholds));
    }

    /**
     * {@code GET /api/backups?since=30d&window=01:00-06:00&zone=UTC}: what {@code correlator advise
     * backups --json} prints, from the same advisor.
     */
    private void backups(HttpExchange exchange, Map<String, String> params) throws IOException {
        final Supplier<BackupHistory> history = backupHistory;
        if (history == null) {
            error(exchange, 503, "the backup history is not available yet");
            return;
        }
        final BackupAdvisor.Settings settings;
        try {
            final String window = params.get("window");
            final String zone = params.getOrDefault("zone", "UTC");
            final ZoneId zoneId;
            try {
                zoneId = ZoneId.of(zone);
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("zone: unknown zone '" + zone + "'; expected a region like "
                        + "Pacific/Auckland or an offset like +13:00");
            }
            // The advisor's messages name the command's options; here they are parameters.
            settings = new BackupAdvisor.Settings(SincePeriod.parse(params.getOrDefault("since", "30d")),
                    window == null || window.isBlank() ? null : StartWindow.parse(window), zoneId, backupCoolDown);
        } catch (IllegalArgumentException e) {
            error(exchange, 400, e.getMessage().replaceFirst("^--", ""));
            return;
        }
        try {
            json(exchange, 200, AdviceJson.toJson(new BackupAdvisor(settings).advise(history.get())));
        } catch (IllegalArgumentException e) {
            error(exchange, 400, e.getMessage().replaceFirst("^--", ""));
        } catch (RuntimeException e) {
            LOG.warn("backup advice failed", e);
            exchange.getResponseHeaders().set("Retry-After", "5");
            error(exchange, 503, "cannot read the backup history: " + e.getMessage());
        }
    }

    /** The incident named by {@code incident=}, else the cluster's newest one. */
    private static Incident aroundWhich(IncidentQueries q, Map<String, String> params, String cluster)
            throws IOException, InterruptedException {
        final String id = params.get("incident");
        final List<JsonNode> candidates = q.list(i -> id != null ? i.getId().equals(id)
                : cluster != null && i.getCluster().equals(cluster), null, false);
        return candidates.isEmpty() ? null : ContractJson.fromJson(candidates.get(0), Incident.class);
    }

    static Predicate<Incident> filter(Map<String, String> params) {
        Predicate<Incident> p = i -> true;
        final String cluster = params.get("cluster");
        if (cluster != null && !cluster.isEmpty()) {
            p = p.and(i -> i.getCluster().equals(cluster));
        }
        final String category = params.get("category");
        if (category != null && !category.isEmpty()) {
            final IncidentCategory c = IncidentCategory.valueOf(symbol(category, "category"));
            p = p.and(i -> i.getCategory() == c);
        }
        final String transientParam = params.get("transient");
        if (transientParam != null && !transientParam.isEmpty()) {
            final boolean wanted = switch (transientParam.trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "1" -> true;
                case "false", "no", "0" -> false;
                default -> throw new IllegalArgumentException("transient: cannot read '" + transientParam
                        + "'; expected true or false");
            };
            p = p.and(i -> i.getTransient$() == wanted);
        }
        final String status = params.get("status");
        if (status != null && !status.isEmpty()) {
            final IncidentStatus s = IncidentStatus.valueOf(symbol(status, "status"));
            p = p.and(i -> i.getStatus() == s);
        }
        // An incident is in [since, until] when its window overlaps it.
        final Instant since = instant("since", params.get("since"), false);
        final Instant until = instant("until", params.get("until"), true);
        if (since != null && until != null && since.isAfter(until)) {
            throw new IllegalArgumentException("since (" + since + ") must not be after until (" + until + ")");
        }
        if (since != null) {
            p = p.and(i -> !i.getWindowEnd().isBefore(since));
        }
        if (until != null) {
            p = p.and(i -> !i.getWindowStart().isAfter(until));
        }
        return p;
    }

    private static String symbol(String value, String name) {
        final String s = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return (name.equals("category") ? IncidentCategory.valueOf(s) : IncidentStatus.valueOf(s)).name();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": unknown value '" + value + "'; expected one of "
                    + java.util.Arrays.stream(name.equals("category") ? enumNames(IncidentCategory.values())
                    : enumNames(IncidentStatus.values())).map(v -> v.toLowerCase(Locale.ROOT).replace('_', '-')).toList());
        }
    }

    private static String[] enumNames(Enum<?>[] values) {
        return java.util.Arrays.stream(values).map(Enum::name).toArray(String[]::new);
    }

    /**
     * An ISO-8601 instant, a date (UTC; its start, or its end when {@code endOfDay}, so that
     * {@code until=2026-02-27} includes that day) or epoch milliseconds; null when absent.
     *
     * @throws IllegalArgumentException naming the parameter, the value and the accepted formats
     */
    static Instant instant(String name, String value, boolean endOfDay) {
        if (value == null || value.isBlank()) {
            return null;
        }
        final String v = value.trim();
        try {
            if (v.chars().allMatch(Character::isDigit)) {
                return Instant.ofEpochMilli(Long.parseLong(v));
            }
            if (v.length() == 10) {
                final LocalDate day = LocalDate.parse(v);
                return endOfDay ? day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().minusMillis(1)
                        : day.atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(v);
        } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(name + ": cannot read '" + value + "'; expected an ISO-8601 time "
                    + "(2026-02-27T03:00:00Z), a date (2026-02-27, UTC) or epoch milliseconds");
        }
    }

    static Map<String, String> params(String rawQuery) {
        final Map<String, String> params = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            final int eq = pair.indexOf('=');
            final String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            final String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(key, value);
        }
        return params;
    }

    private static String withoutLocal(String rawQuery) {
        if (rawQuery == null) {
            return "";
        }
        return String.join("&", java.util.Arrays.stream(rawQuery.split("&"))
                .filter(p -> !p.isEmpty() && !p.startsWith("local=")).toList());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void asset(HttpExchange exchange, String name) throws IOException {
        final String type = name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        send(exchange, 200, type, resource(name));
    }

    /** {@code page}'s body in the shared page, its own entry of the navigation not a link. */
    private static String render(Page page) throws IOException {
        final String nav = PAGES.stream()
                .map(p -> p == page ? "<strong>" + p.name() + "</strong>" : "<a href=\"" + p.path() + "\">" + p.name() + "</a>")
                .collect(Collectors.joining(" · "));
        return resource("page.html").replace("{{title}}", page.title()).replace("{{nav}}", nav)
                .replace("{{body}}", resource(page.body()));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = WebServer.class.getResourceAsStream("/web/" + name)) {
            if (in == null) {
                throw new IllegalStateException("web/" + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void json(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, "application/json", IncidentQueries.JSON.writeValueAsString(body));
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        final ObjectNode body = IncidentQueries.JSON.createObjectNode().put("error", message);
        json(exchange, status, body);
    }

    /**
     * Scripts and styles from this server only, no framing, no MIME sniffing. Inline style
     * attributes stay allowed: the timeline colours each bar with one (a style cannot run script).
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
        exchange.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        HealthServer.send(exchange, status, contentType, body);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
