package io.incidentcorrelator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.classify.ClassifierConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code correlator demo --serve --port 0} in-process: one replay of the bundled scenarios, then
 * the JSON API and the page in a real headless Chromium (skipped when there is none).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class WebViewIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Pattern URL = Pattern.compile("web view at (http://\\S+/)");
    private static final Pattern COUNT = Pattern.compile("(\\d+) incidents, ");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final StringWriter out = new StringWriter();
    private DemoCommand demo;
    private Thread running;
    private String base;
    private JsonNode incidents;

    @BeforeAll
    void serveTheDemo() throws Exception {
        final CommandLine cli = CorrelatorCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        demo = cli.getSubcommands().get("demo").getCommand();
        running = new Thread(() -> cli.execute("demo", "--serve", "--port", "0"), "demo-serve");
        running.start();
        final Matcher url = await("demo --serve to print its URL").atMost(Duration.ofMinutes(3))
                .failFast(() -> assertTrue(running.isAlive(), () -> "demo did not serve:\n" + out))
                .until(() -> URL.matcher(out.toString()), Matcher::find);
        base = url.group(1);
        final Matcher count = COUNT.matcher(out.toString());
        assertTrue(count.find(), out.toString());
        final int expected = Integer.parseInt(count.group(1));
        // The view is fed through its own repartition topic: it may trail the printed table briefly.
        incidents = await("the view to list " + expected + " incidents").atMost(Duration.ofMinutes(3))
                .until(() -> {
                    final HttpResponse<String> r = get("api/incidents");
                    return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createArrayNode();
                }, listed -> listed.size() >= expected);
        assertEquals(expected, incidents.size(), incidents.toString());
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (demo != null && demo.stop != null) {
            demo.stop.request();
        }
        if (running != null) {
            running.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

    @Test
    void listsIncidentsNewestFirstAndFilters() throws Exception {
        final List<Instant> starts = new ArrayList<>();
        incidents.forEach(i -> starts.add(Instant.parse(i.path("windowStart").asText())));
        for (int n = 1; n < starts.size(); n++) {
            assertFalse(starts.get(n).isAfter(starts.get(n - 1)), "newest first: " + starts);
        }
        assertFilter("cluster=monit", i -> i.path("cluster").asText().equals("monit"));
        assertFilter("category=oom-killed", i -> i.path("category").asText().equals("OOM_KILLED"));
        assertFilter("category=BACKUP_IO_CONTENTION&cluster=prod", i -> i.path("cluster").asText().equals("prod")
                && i.path("category").asText().equals("BACKUP_IO_CONTENTION"));
        assertFilter("status=resolved", i -> i.path("status").asText().equals("RESOLVED"));
        assertFilter("transient=false", i -> !i.path("transient").asBoolean());
        assertFilter("transient=true&cluster=monit", i -> i.path("transient").asBoolean()
                && i.path("cluster").asText().equals("monit"));
        final Instant since = Instant.parse("2026-03-01T00:00:00Z");
        assertFilter("since=" + since, i -> !Instant.parse(i.path("windowEnd").asText()).isBefore(since));
        assertFilter("until=" + since, i -> !Instant.parse(i.path("windowStart").asText()).isAfter(since));
        assertEquals(400, get("api/incidents?category=nonsense").statusCode());
        assertEquals(400, get("api/incidents?since=yesterday").statusCode());
    }

    @Test
    void everyBadRequestNamesTheParameterAndTheFormatItExpects() throws Exception {
        assertBadRequest("api/incidents?since=garbage", "since", "'garbage'", "2026-02-27T03:00:00Z", "2026-02-27",
                "epoch milliseconds");
        assertBadRequest("api/incidents?until=27.02.2026", "until", "2026-02-27");
        assertBadRequest("api/incidents?category=nonsense", "category", "'nonsense'", "backup-io-contention");
        assertBadRequest("api/incidents?status=maybe", "status", "resolved");
        assertBadRequest("api/timeline?cluster=monit&from=soon&to=2026-03-02", "from", "'soon'", "2026-02-27");
        assertBadRequest("api/incidents?since=2026-03-02&until=2026-03-01", "since", "until", "must not be after");
        assertBadRequest("api/timeline?cluster=monit&from=2026-03-02&to=2026-03-01", "from", "to", "must be before");
        assertBadRequest("api/timeline?from=2026-03-01&to=2026-03-02", "cluster", "required");
    }

    @Test
    void aDateAloneIsThatDayInUtc() throws Exception {
        final Instant dayStart = Instant.parse("2026-03-01T00:00:00Z");
        final Instant dayEnd = Instant.parse("2026-03-01T23:59:59.999Z");
        assertFilter("since=2026-03-01", i -> !Instant.parse(i.path("windowEnd").asText()).isBefore(dayStart));
        assertFilter("until=2026-03-01", i -> !Instant.parse(i.path("windowStart").asText()).isAfter(dayEnd));
        // The same as the instants spelled out.
        assertEquals(get("api/incidents?since=" + dayStart + "&until=" + dayEnd).body(),
                get("api/incidents?since=2026-03-01&until=2026-03-01").body());
    }

    @Test
    void theApiChangesNothing() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "api/incidents"))
                    .method(method, HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, r.statusCode(), method);
            assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""), method);
        }
    }

    private void assertBadRequest(String path, String... named) throws Exception {
        final HttpResponse<String> r = get(path);
        assertEquals(400, r.statusCode(), path + ": " + r.body());
        final String error = JSON.readTree(r.body()).path("error").asText();
        for (String n : named) {
            assertTrue(error.contains(n), path + ": the error names " + n + ": " + error);
        }
    }

    private void assertFilter(String query, java.util.function.Predicate<JsonNode> expected) throws Exception {
        final HttpResponse<String> r = get("api/incidents?" + query);
        assertEquals(200, r.statusCode(), r.body());
        final List<String> want = new ArrayList<>();
        incidents.forEach(i -> {
            if (expected.test(i)) {
                want.add(i.path("id").asText());
            }
        });
        final List<String> got = new ArrayList<>();
        JSON.readTree(r.body()).forEach(i -> got.add(i.path("id").asText()));
        assertEquals(want, got, query);
        assertFalse(got.isEmpty(), "the filter " + query + " selects none of " + incidents);
    }

    @Test
    void oneIncidentWithItsEvidenceOr404() throws Exception {
        final String id = incidents.get(0).path("id").asText();
        final HttpResponse<String> r = get("api/incidents/" + id);
        assertEquals(200, r.statusCode(), r.body());
        final JsonNode incident = JSON.readTree(r.body());
        assertEquals(id, incident.path("id").asText());
        assertTrue(incident.path("evidence").isArray() && incident.path("evidence").size() > 0, r.body());
        assertEquals(404, get("api/incidents/no-such-incident").statusCode());
        assertEquals(404, get("api/nothing-here").statusCode());
    }

    @Test
    void timelineAroundABackupIncident() throws Exception {
        final JsonNode incident = backupIncident();
        final Instant start = Instant.parse(incident.path("windowStart").asText());
        final Instant end = Instant.parse(incident.path("windowEnd").asText());
        final HttpResponse<String> r = get("api/timeline?cluster=" + incident.path("cluster").asText()
                + "&incident=" + incident.path("id").asText());
        assertEquals(200, r.statusCode(), r.body());
        final JsonNode t = JSON.readTree(r.body());
        assertEquals(start.minus(Duration.ofHours(1)).toEpochMilli(), t.path("from").asLong());
        assertEquals(end.plus(Duration.ofHours(1)).toEpochMilli(), t.path("to").asLong());
        // The backups the incident names, as bars that overlap its window.
        assertTrue(t.path("backups").size() > 0, r.body());
        for (JsonNode b : t.path("backups")) {
            assertTrue(b.path("start").asLong() <= b.path("end").asLong(), b.toString());
        }
        final List<String> hosts = new ArrayList<>();
        t.path("backups").forEach(b -> hosts.add(b.path("host").asText()));
        final List<String> incidentHosts = new ArrayList<>();
        incident.path("hosts").forEach(h -> incidentHosts.add(h.asText()));
        assertTrue(hosts.stream().anyMatch(incidentHosts::contains), hosts + " vs " + incidentHosts);
        // The restarts of its pods, inside the window.
        final List<String> pods = new ArrayList<>();
        incident.path("pods").forEach(p -> pods.add(p.path("namespace").asText() + "/" + p.path("pod").asText()));
        int inWindow = 0;
        for (JsonNode restart : t.path("restarts")) {
            final long time = restart.path("time").asLong();
            assertTrue(time >= t.path("from").asLong() && time <= t.path("to").asLong(), restart.toString());
            if (pods.contains(restart.path("pod").asText()) && time >= start.toEpochMilli() && time <= end.toEpochMilli()) {
                inWindow++;
            }
        }
        assertTrue(inWindow > 0, "restarts of " + pods + " in " + r.body());
        // Per-minute samples: etcd p99 per member, host memory % per host.
        assertTrue(t.path("etcd").size() > 0 && t.path("etcd").get(0).path("points").size() > 30, r.body());
        assertTrue(t.path("hostMemory").size() > 0, r.body());
        for (JsonNode series : t.path("hostMemory")) {
            series.path("points").forEach(p -> assertTrue(p.get(1).asDouble() > 0 && p.get(1).asDouble() <= 100));
        }
        // An explicit range; a range without a cluster is a client error.
        final HttpResponse<String> ranged = get("api/timeline?cluster=" + incident.path("cluster").asText()
                + "&from=" + start.minusSeconds(600) + "&to=" + end.toEpochMilli());
        assertEquals(200, ranged.statusCode(), ranged.body());
        assertEquals(start.minusSeconds(600).toEpochMilli(), JSON.readTree(ranged.body()).path("from").asLong());
        assertEquals(400, get("api/timeline?cluster=monit&from=" + end + "&to=" + start).statusCode());
        assertEquals(400, get("api/timeline?from=" + start + "&to=" + end).statusCode());
    }

    @Test
    void pageListsTheIncidentsAndDrawsTheSelectedOnesChart() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + ": apt-get install -y chromium");
        final String id = backupIncident().path("id").asText();
        final String url = base + "#incident=" + id;
        final String dom = chromium("--dump-dom", url);
        for (JsonNode i : incidents) {
            assertTrue(dom.contains("data-id=\"" + i.path("id").asText() + "\""), "listed: " + i.path("id"));
        }
        assertTrue(dom.contains("data-ready=\"true\""), dom);
        assertTrue(dom.contains("<svg id=\"timeline\"") && dom.contains("data-incident=\"" + id + "\""), dom);
        assertTrue(dom.contains("data-kind=\"backup\""), "backup bars");
        assertTrue(dom.contains("data-kind=\"etcd-point\""), "etcd p99 points");
        assertTrue(dom.contains("data-kind=\"memory-point\""), "host memory points");
        assertTrue(dom.contains("data-kind=\"restart\""), "restart markers");

        final Path screenshot = Path.of("target", "web-view.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        chromium("--screenshot=" + screenshot, "--window-size=1280,900", url);
        assertTrue(Files.size(screenshot) > 10_000, "screenshot " + screenshot);
    }

    @Test
    void theTimelineHasALegendAGridFromTheLeftEdgeAndTheClassifiersThresholds() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + ": apt-get install -y chromium");
        final JsonNode incident = backupIncident();
        final String url = base + "#incident=" + incident.path("id").asText();
        // The thresholds come from the classifier's configuration (the demo's: the defaults).
        final ClassifierConfig classifier = ClassifierConfig.defaults();
        final JsonNode thresholds = JSON.readTree(get("api/timeline?incident=" + incident.path("id").asText()).body())
                .path("thresholds");
        assertEquals(classifier.etcdWalFsyncP99Ms(), thresholds.path("etcdWalFsyncP99Ms").asDouble());
        assertEquals(classifier.hostMemoryUsedRatio() * 100, thresholds.path("hostMemoryPercent").asDouble(), 1e-9);
        assertEquals(classifier.balloonRatio() * 100, thresholds.path("balloonPercent").asDouble(), 1e-9);

        final String dom = chromium("--dump-dom", WINDOW, url);
        assertTrue(dom.contains("data-ready=\"true\""), dom);
        final Map<String, String> svg = drawn(dom, "svg", "id", "timeline").get(0);
        final long from = Long.parseLong(svg.get("data-from"));
        final long to = Long.parseLong(svg.get("data-to"));

        final List<Long> labels = drawn(dom, "text", "data-kind", "axis-label").stream()
                .map(a -> Long.parseLong(a.get("data-time"))).sorted().toList();
        assertFalse(labels.isEmpty(), "axis labels");
        assertTrue(labels.get(0) >= from && labels.get(0) - from <= Duration.ofMinutes(15).toMillis(),
                "first label " + Instant.ofEpochMilli(labels.get(0)) + " within 15 min of the left edge "
                        + Instant.ofEpochMilli(from));
        assertTrue(labels.get(labels.size() - 1) <= to, "last label inside the chart");
        assertEquals(labels.size(), drawn(dom, "line", "data-kind", "grid").size(), "a grid line per label");

        final List<String> legend = drawn(dom, "g", "data-kind", "legend-item").stream().map(a -> a.get("data-mark")).toList();
        assertEquals(List.of("restart", "incident-window", "backup-job", "backup-guest", "threshold"), legend);
        final long restarts = drawn(dom, "line", "data-kind", "restart").size();
        assertTrue(dom.contains(">" + restarts + (restarts == 1 ? " restart<" : " restarts<")), "legend counts the restarts");

        final Map<String, Double> lines = new java.util.TreeMap<>();
        for (Map<String, String> line : drawn(dom, "line", "data-kind", "threshold")) {
            lines.put(line.get("data-threshold"), Double.parseDouble(line.get("data-value")));
            assertEquals(line.get("y1"), line.get("y2"), "horizontal: " + line);
        }
        assertEquals(Map.of("etcd-fsync", thresholds.path("etcdWalFsyncP99Ms").asDouble(),
                "host-memory", thresholds.path("hostMemoryPercent").asDouble(),
                "balloon", thresholds.path("balloonPercent").asDouble()), lines);

        final Path screenshot = Path.of("target", "timeline-1400x900.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        chromium("--screenshot=" + screenshot, WINDOW, url);
        final java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(screenshot.toFile());
        assertEquals(List.of(1400, 900), List.of(image.getWidth(), image.getHeight()), "screenshot " + screenshot);
    }

    @Test
    void aPanelWithoutSamplesSaysNoData() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + ": apt-get install -y chromium");
        JsonNode bare = null;
        for (JsonNode i : incidents) {
            final JsonNode t = JSON.readTree(get("api/timeline?incident=" + i.path("id").asText()).body());
            if (t.path("etcd").isEmpty()) {
                bare = i;
                break;
            }
        }
        assertTrue(bare != null, "the demo has an incident without etcd samples around it: " + incidents);
        final String dom = chromium("--dump-dom", WINDOW, base + "#incident=" + bare.path("id").asText());
        assertTrue(dom.contains("data-ready=\"true\""), dom);
        assertTrue(drawn(dom, "text", "data-kind", "no-data").stream().anyMatch(a -> "etcd".equals(a.get("data-panel"))),
                "the etcd panel says no data");
        assertTrue(drawn(dom, "circle", "data-kind", "etcd-point").isEmpty());
    }

    @Test
    void filtersNarrowTheListAndCountsReadAsEnglish() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + ": apt-get install -y chromium");
        for (String filter : List.of("cluster=monit&transient=false", "category=BACKUP_IO_CONTENTION&since=2026-03-01",
                "transient=true&until=2026-03-01")) {
            final List<String> want = new ArrayList<>();
            JSON.readTree(get("api/incidents?" + filter).body()).forEach(i -> want.add(i.path("id").asText()));
            assertFalse(want.isEmpty(), filter);
            assertTrue(want.size() < incidents.size(), filter + " narrows the list");
            final String dom = chromium("--dump-dom", WINDOW, base + "#" + filter);
            assertEquals(want, drawn(dom, "li", "class", "incident").stream().map(a -> a.get("data-id")).toList(), filter);
            assertTrue(dom.contains(want.size() + " of " + incidents.size() + " incidents"), filter + ": the count");
        }
        assertEquals(400, get("api/incidents?transient=maybe").statusCode());

        // Every incident's restarts and pods, in the singular when there is one.
        final String dom = chromium("--dump-dom", WINDOW, base);
        int singular = 0;
        for (JsonNode i : incidents) {
            int restarts = 0;
            final java.util.Set<String> pods = new java.util.HashSet<>();
            for (JsonNode p : i.path("pods")) {
                restarts += p.path("restarts").asInt();
                pods.add(p.path("namespace").asText() + "/" + p.path("pod").asText());
            }
            singular += restarts == 1 || pods.size() == 1 ? 1 : 0;
            final String text = " · " + restarts + (restarts == 1 ? " restart" : " restarts") + " of " + pods.size()
                    + (pods.size() == 1 ? " pod<" : " pods<");
            assertTrue(dom.contains(i.path("cluster").asText() + text), i.path("id") + ": " + text);
        }
        assertTrue(singular > 0, "the demo has an incident with one pod or one restart");
        assertFalse(dom.contains(" 1 restarts") || dom.contains(" 1 pods"), "no '1 restarts'");
        assertTrue(dom.contains(">" + incidents.size() + " incidents<"), "the count");
    }

    @Test
    void theSelectedIncidentIsScrolledIntoView() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + ": apt-get install -y chromium");
        // The oldest is last in the list, below the fold of a 900 px window.
        final String id = incidents.get(incidents.size() - 1).path("id").asText();
        final String dom = chromium("--dump-dom", WINDOW, base + "#incident=" + id);
        assertTrue(dom.contains("data-selected-in-view=\"true\""), "selected " + id + " in view");
        assertTrue(drawn(dom, "li", "class", "incident selected").stream().anyMatch(a -> id.equals(a.get("data-id"))));
    }

    private static final String WINDOW = "--window-size=1400,900";
    private static final Pattern ELEMENT = Pattern.compile("<(\\w+)\\s([^>]*)>");
    private static final Pattern ATTRIBUTE = Pattern.compile("([\\w:-]+)=\"([^\"]*)\"");

    /** The attributes of each {@code tag} element in {@code dom} whose {@code name} attribute is {@code value}. */
    private static List<Map<String, String>> drawn(String dom, String tag, String name, String value) {
        final List<Map<String, String>> found = new ArrayList<>();
        final Matcher element = ELEMENT.matcher(dom);
        while (element.find()) {
            if (!element.group(1).equals(tag)) {
                continue;
            }
            final Map<String, String> attributes = new java.util.HashMap<>();
            final Matcher a = ATTRIBUTE.matcher(element.group(2));
            while (a.find()) {
                attributes.put(a.group(1), a.group(2).replace("&amp;", "&"));
            }
            if (value.equals(attributes.get(name))) {
                found.add(attributes);
            }
        }
        return found;
    }

    @Test
    void backupsPageDrawsTheJobsTheirOverlapsIncidentsAndTheProposal() throws Exception {
        final HttpResponse<String> api = get("api/backups");
        assertEquals(200, api.statusCode(), api.body());
        final JsonNode advice = JSON.readTree(api.body());
        assertTrue(advice.path("jobs").size() >= 3 && advice.path("overlaps").size() >= 1, api.body());
        final HttpResponse<String> bad = get("api/backups?window=1am");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("window: cannot read '1am'; expected HH:MM-HH:MM"), bad.body());
        final HttpResponse<String> page = get("backups");
        assertEquals(200, page.statusCode());
        for (HttpResponse<String> r : List.of(api, page)) {
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
            assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""));
            assertTrue(r.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
        }
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + ": apt-get install -y chromium");

        final String dom = chromium("--dump-dom", base + "backups");
        assertTrue(dom.contains("data-ready=\"true\""), dom);
        final java.util.Set<String> nights = new java.util.TreeSet<>();
        int runs = 0;
        for (JsonNode job : advice.path("jobs")) {
            final String key = job.path("sourceHost").asText() + "/" + job.path("job").asText();
            assertTrue(dom.contains("data-kind=\"run\" data-job=\"" + key + "\""), "bars of " + key);
            for (JsonNode run : job.path("runs")) {
                nights.add(run.path("night").asText());
                runs++;
            }
        }
        assertEquals(runs, count(dom, "data-kind=\"run\""), "one bar per run");
        assertEquals(advice.path("overlaps").size(), count(dom, "data-kind=\"overlap\""), "today's overlaps shaded");
        int markers = 0;
        for (JsonNode i : advice.path("incidents")) {
            markers += nights.contains(i.path("night").asText()) ? Math.max(1, i.path("jobs").size()) : 0;
        }
        assertTrue(markers > 0);
        assertEquals(markers, count(dom, "data-kind=\"incident\""), "incidents marked on the runs they name");
        for (JsonNode p : advice.path("proposal").path("jobs")) {
            assertTrue(dom.contains("data-schedule=\"" + p.path("schedule").asText() + "\""), "proposal " + p);
        }
        assertTrue(dom.contains(advice.path("proposal").path("sentence").asText()), "the proposal's sentence");

        final Path screenshot = Path.of("target", "backups-page.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        chromium("--screenshot=" + screenshot, "--window-size=1400,900", base + "backups");
        assertTrue(Files.size(screenshot) > 10_000, "screenshot " + screenshot);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private JsonNode backupIncident() {
        for (JsonNode i : incidents) {
            if (i.path("category").asText().equals("BACKUP_IO_CONTENTION") && i.path("cluster").asText().equals("monit")) {
                return i;
            }
        }
        throw new AssertionError("the demo has no backup incident on monit: " + incidents);
    }

    /** Runs headless Chromium; returns its standard output (the DOM for --dump-dom). */
    private static String chromium(String... args) throws IOException, InterruptedException {
        final Path profile = Files.createTempDirectory("web-view-chromium-");
        final List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=10000"));
        command.addAll(List.of(args));
        final Path stdout = Files.createTempFile("web-view-chromium-", ".out");
        final Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s");
        }
        assertEquals(0, p.exitValue(), "chromium exit");
        final String text = Files.readString(stdout);
        Files.deleteIfExists(stdout);
        try (var paths = Files.walk(profile)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        return text;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
