package io.incidentcorrelator.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Java port of {@code check-incidents.py}: compares the incidents of a replay with a
 * scenario's {@code NAME.expected.json} and returns the script's {@code missing: ...} and
 * {@code unexpected: ...} lines, byte for byte (the script's final count line is not included).
 * An empty list is a pass.
 *
 * <p>The port keeps the script's semantics, quirks included, so that a Java test and the script
 * never disagree: the newest revision per id counts (a later line wins a tie), each expected
 * incident takes the first unused produced incident it matches (greedy, in file order), pods
 * are a subset test on pod names, and window bounds are compared as the script does, which drops
 * any UTC offset without converting (harmless: the incident writer always writes {@code Z}).
 * Input the script would crash on throws {@link IllegalArgumentException}.
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
        // newest revision per id; a LinkedHashMap keeps a replaced id in its first place, like a dict
        Map<Python.Key, JsonNode> newest = new LinkedHashMap<>();
        for (Numbered line : lines) {
            JsonNode inc = line.incident();
            if (!inc.isObject()) {
                throw new IllegalArgumentException("line " + line.line() + ": not a JSON object");
            }
            JsonNode id = inc.has("id") ? inc.get("id") : JsonNodeFactory.instance.textNode("line-" + line.line());
            Python.Key key = Python.key(id);
            JsonNode previous = newest.get(key);
            if (previous == null || Python.greaterOrEqual(orZero(get(inc, "revision")), orZero(get(previous, "revision")))) {
                newest.put(key, inc);
            }
        }
        List<JsonNode> produced = new ArrayList<>(newest.values());

        boolean[] used = new boolean[produced.size()];
        List<String> problems = new ArrayList<>();
        for (JsonNode exp : Python.iterate(expected)) {
            int hit = -1;
            for (int i = 0; i < produced.size() && hit < 0; i++) {
                if (!used[i] && matches(exp, produced.get(i))) {
                    hit = i;
                }
            }
            if (hit < 0) {
                problems.add("missing: " + Python.dumps(exp));
            } else {
                used[hit] = true;
            }
        }
        for (int i = 0; i < produced.size(); i++) {
            if (!used[i]) {
                JsonNode inc = produced.get(i);
                ObjectNode brief = JsonNodeFactory.instance.objectNode();
                for (String k : List.of("id", "cluster", "category", "transient", "windowStart")) {
                    brief.set(k, get(inc, k));
                }
                brief.set("pods", JsonNodeFactory.instance.arrayNode().addAll(Python.sorted(podNames(inc))));
                problems.add("unexpected: " + Python.dumps(brief));
            }
        }
        return problems;
    }

    private static boolean matches(JsonNode exp, JsonNode inc) {
        if (!Python.equal(get(inc, "cluster"), required(exp, "cluster"))
                || !Python.equal(get(inc, "category"), required(exp, "category"))) {
            return false;
        }
        if (exp.has("transient")
                && !Python.equal(BooleanNode.valueOf(Python.truthy(get(inc, "transient"))), exp.get("transient"))) {
            return false;
        }
        List<JsonNode> have = podNames(inc);
        JsonNode wantedPods = exp.has("pods") ? exp.get("pods") : JsonNodeFactory.instance.arrayNode();
        for (JsonNode wanted : Python.iterate(wantedPods)) {
            Python.requireHashable(wanted);
            if (have.stream().noneMatch(p -> Python.equal(p, wanted))) {
                return false;
            }
        }
        JsonNode ws = get(inc, "windowStart");
        if (exp.has("windowStartNotBefore")
                && (ws.isNull() || Python.when(ws).isBefore(Python.when(exp.get("windowStartNotBefore"))))) {
            return false;
        }
        if (exp.has("windowStartNotAfter")
                && (ws.isNull() || Python.when(ws).isAfter(Python.when(exp.get("windowStartNotAfter"))))) {
            return false;
        }
        return true;
    }

    /** {@code pod_names}: the pod of each entry of {@code pods} (an entry may also be a bare name), as a set. */
    private static List<JsonNode> podNames(JsonNode inc) {
        JsonNode pods = get(inc, "pods");
        List<JsonNode> names = new ArrayList<>();
        if (!Python.truthy(pods)) {
            return names;
        }
        for (JsonNode p : Python.iterate(pods)) {
            JsonNode name = p.isObject() ? get(p, "pod") : p;
            Python.requireHashable(name);
            if (names.stream().noneMatch(n -> Python.equal(n, name))) {
                names.add(name);
            }
        }
        return names;
    }

    /** {@code dict.get}: null when absent. */
    private static JsonNode get(JsonNode object, String field) {
        JsonNode value = object.get(field);
        return value == null ? NullNode.getInstance() : value;
    }

    /** {@code dict[...]}: the script fails on a missing key. */
    private static JsonNode required(JsonNode object, String field) {
        if (!object.has(field)) {
            throw new IllegalArgumentException("expected incident without \"" + field + "\": " + object);
        }
        return object.get(field);
    }

    /** {@code x or 0} */
    private static JsonNode orZero(JsonNode value) {
        return Python.truthy(value) ? value : JsonNodeFactory.instance.numberNode(0);
    }
}
