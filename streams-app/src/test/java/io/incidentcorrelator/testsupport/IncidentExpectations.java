package io.incidentcorrelator.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares the incidents of a replay with a scenario's {@code NAME.expected.json}, as the
 * contract's {@code check-incidents.py} does, and returns its {@code missing: ...} and
 * {@code unexpected: ...} lines (the script's final count line is not included). An empty list
 * is a pass.
 *
 * <p>The newest revision per id counts (a later line wins a tie); each expected incident takes
 * the first unused produced incident it matches (in file order); an incident matches on cluster,
 * category, {@code transient} when the expectation names it, a subset of its pod names, and the
 * window-start bounds. Expected-outcome files are ours: one without a cluster or category throws
 * {@link IllegalArgumentException}.
 */
public final class IncidentExpectations {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // Python's json accepts NaN and Infinity
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private IncidentExpectations() {
    }

    /** The expected-outcome file of a bundled scenario: {@code scenarios/NAME.expected.json} on the test classpath. */
    public static Path expectedFor(String scenarioName) {
        String resource = "scenarios/" + scenarioName + ".expected.json";
        URL url = IncidentExpectations.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalArgumentException("no " + resource + " on the test classpath");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compares incidents given as JSON Lines text, the script's input. */
    public static List<String> problems(Path expectedJson, String incidentsJsonLines) {
        List<Numbered> incidents = new ArrayList<>();
        String[] lines = incidentsJsonLines.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int n = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                incidents.add(new Numbered(n, JSON.readTree(line)));
            } catch (JsonProcessingException e) {
                // The script prints this alone and stops; Python's wording of the cause differs.
                return List.of("line " + n + ": not JSON: " + e.getOriginalMessage());
            }
        }
        return compare(readExpected(expectedJson), incidents);
    }

    /** Compares parsed incidents, as if each were one line of the script's input. */
    public static List<String> problems(Path expectedJson, List<JsonNode> incidents) {
        List<Numbered> numbered = new ArrayList<>();
        for (int i = 0; i < incidents.size(); i++) {
            numbered.add(new Numbered(i + 1, incidents.get(i)));
        }
        return compare(readExpected(expectedJson), numbered);
    }

    private record Numbered(int line, JsonNode incident) {
    }

    private static JsonNode readExpected(Path expectedJson) {
        try {
            JsonNode incidents = JSON.readTree(Files.readString(expectedJson)).get("incidents");
            if (incidents == null) {
                throw new IllegalArgumentException(expectedJson + ": no \"incidents\"");
            }
            return incidents;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> compare(JsonNode expected, List<Numbered> lines) {
        // The newest revision per id (a later line wins a tie); an incident without id is its own.
        Map<String, JsonNode> newest = new LinkedHashMap<>();
        for (Numbered line : lines) {
            JsonNode inc = line.incident();
            if (!inc.isObject()) {
                throw new IllegalArgumentException("line " + line.line() + ": not a JSON object");
            }
            String id = inc.has("id") ? inc.get("id").toString() : "line-" + line.line();
            JsonNode previous = newest.get(id);
            if (previous == null || revision(inc) >= revision(previous)) {
                newest.put(id, inc);
            }
        }
        List<JsonNode> produced = new ArrayList<>(newest.values());

        // Each expected incident takes the first unused produced incident it matches.
        boolean[] used = new boolean[produced.size()];
        List<String> problems = new ArrayList<>();
        for (JsonNode exp : expected) {
            int hit = -1;
            for (int i = 0; i < produced.size() && hit < 0; i++) {
                if (!used[i] && matches(exp, produced.get(i))) {
                    hit = i;
                }
            }
            if (hit < 0) {
                problems.add("missing: " + ScriptJson.write(exp));
            } else {
                used[hit] = true;
            }
        }
        for (int i = 0; i < produced.size(); i++) {
            if (!used[i]) {
                JsonNode inc = produced.get(i);
                ObjectNode brief = JsonNodeFactory.instance.objectNode();
                for (String k : List.of("id", "cluster", "category", "transient", "windowStart")) {
                    brief.set(k, inc.path(k).isMissingNode() ? NullNode.getInstance() : inc.get(k));
                }
                ArrayNode pods = brief.putArray("pods");
                new TreeSet<>(podNames(inc)).forEach(pods::add);
                problems.add("unexpected: " + ScriptJson.write(brief));
            }
        }
        return problems;
    }

    private static boolean matches(JsonNode exp, JsonNode inc) {
        if (!text(inc, "cluster").equals(required(exp, "cluster")) || !text(inc, "category").equals(required(exp, "category"))) {
            return false;
        }
        if (exp.has("transient") && inc.path("transient").asBoolean(false) != exp.get("transient").asBoolean()) {
            return false;
        }
        Set<String> have = podNames(inc);
        for (JsonNode wanted : exp.path("pods")) {
            if (!have.contains(wanted.asText())) {
                return false;
            }
        }
        Instant start = instant(inc.get("windowStart"));
        if (exp.has("windowStartNotBefore") && (start == null || start.isBefore(instant(exp.get("windowStartNotBefore"))))) {
            return false;
        }
        return !exp.has("windowStartNotAfter") || (start != null && !start.isAfter(instant(exp.get("windowStartNotAfter"))));
    }

    /** The pod of each entry of {@code pods} (an entry may also be a bare name). */
    private static Set<String> podNames(JsonNode inc) {
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode p : inc.path("pods")) {
            names.add(p.isObject() ? p.path("pod").asText() : p.asText());
        }
        return names;
    }

    private static long revision(JsonNode inc) {
        return inc.path("revision").asLong(0);
    }

    private static String text(JsonNode object, String field) {
        JsonNode value = object.get(field);
        return value == null || value.isNull() ? "" : value.asText();
    }

    /** The expected-outcome file must name a cluster and a category. */
    private static String required(JsonNode object, String field) {
        if (!object.hasNonNull(field)) {
            throw new IllegalArgumentException("expected incident without \"" + field + "\": " + object);
        }
        return object.get(field).asText();
    }

    /** An ISO-8601 instant, or epoch milliseconds; null when absent. */
    private static Instant instant(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        return value.isNumber() ? Instant.ofEpochMilli(value.asLong()) : OffsetDateTime.parse(value.asText()).toInstant();
    }
}
