package io.incidentcorrelator.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.incidentcorrelator.avro.Incident;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads incident JSON Lines back: the output of {@code replay} (newest revision of each
 * incident) or of {@code incidents tail --json} (every revision, and a
 * {@code {"id": ..., "deleted": true}} line per tombstone). Either way the result is what the
 * compacted topic would hold: the newest revision per id, retracted ids removed, sorted like
 * replay output. Blank lines and {@code #} lines are skipped.
 */
public final class IncidentJsonReader {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private IncidentJsonReader() {
    }

    /** The line {@code incidents tail --json} writes for a tombstone. */
    public static String tombstoneLine(String id) {
        final ObjectNode node = JSON.createObjectNode();
        node.put("id", id);
        node.put("deleted", true);
        return node.toString();
    }

    /** @throws ScenarioFormatException naming {@code FILE:LINE} for a line that is not an incident */
    public static List<Incident> read(Path file) throws IOException, ScenarioFormatException {
        final Map<String, Incident> newest = new LinkedHashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNumber = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                final String text = line.strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                try {
                    final JsonNode node = JSON.readTree(text);
                    if (node == null || !node.isObject()) {
                        throw new IllegalArgumentException("not a JSON object");
                    }
                    if (node.path("deleted").asBoolean(false)) {
                        newest.remove(node.path("id").asText());
                        continue;
                    }
                    final Incident incident = ContractJson.fromJson(node, Incident.class);
                    final Incident seen = newest.get(incident.getId());
                    if (seen == null || incident.getRevision() >= seen.getRevision()) {
                        newest.put(incident.getId(), incident);
                    }
                } catch (JsonProcessingException e) {
                    throw new ScenarioFormatException(file.toString(), lineNumber,
                            "not JSON: " + e.getOriginalMessage());
                } catch (IllegalArgumentException e) {
                    throw new ScenarioFormatException(file.toString(), lineNumber, "incident: " + e.getMessage());
                }
            }
        }
        final List<Incident> sorted = new ArrayList<>(newest.values());
        sorted.sort(ReplayRunner.INCIDENT_ORDER);
        return sorted;
    }
}
