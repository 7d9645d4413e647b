package io.incidentcorrelator.replay;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.incidentcorrelator.replay.internal.JsonText;
import io.incidentcorrelator.replay.internal.ValueChecks;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topology.internal.EventValidation;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads scenario files: JSON Lines of {@code {"topic": ..., "key"?: ..., "value": {...}}}, see
 * the event contract. Blank lines and lines starting with {@code #} are skipped. A line that
 * cannot be replayed is a {@link ScenarioFormatException} ({@code FILE:LINE: reason}), or, when
 * skipping invalid lines, the same text as a warning. Fields the contract does not know are
 * ignored with one warning per field name and file.
 *
 * <p>Events come back in file order; {@link ScenarioEvents#orderForReplay} orders them for replay.
 */
public final class ScenarioReader {

    private static final Logger LOG = LoggerFactory.getLogger(ScenarioReader.class);

    // NaN is accepted by the parser only so that it can be rejected with a message naming the field.
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Set<String> LINE_FIELDS = Set.of("topic", "key", "value");

    private final boolean skipInvalid;
    private final Consumer<String> warnings;
    private final Clock clock;

    /** A strict reader: the first invalid line fails the read; warnings are logged. */
    public ScenarioReader() {
        this(false, LOG::warn);
    }

    /**
     * @param skipInvalid whether an invalid line is skipped (and reported to {@code warnings})
     *                    rather than failing the read
     * @param warnings    receives each warning as one {@code FILE:LINE: text} line
     */
    public ScenarioReader(boolean skipInvalid, Consumer<String> warnings) {
        this(skipInvalid, warnings, Clock.systemUTC());
    }

    /** As above; {@code clock} decides which times are too far ahead. */
    public ScenarioReader(boolean skipInvalid, Consumer<String> warnings, Clock clock) {
        this.skipInvalid = skipInvalid;
        this.warnings = Objects.requireNonNull(warnings, "warnings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Reads a UTF-8 scenario file; messages name it as {@code file.toString()}. */
    public List<ScenarioEvent> read(Path file) throws IOException, ScenarioFormatException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(file.toString(), reader);
        }
    }

    /** Reads scenario lines from {@code reader} (not closed); messages name it {@code sourceName}. */
    public List<ScenarioEvent> read(String sourceName, Reader reader) throws IOException, ScenarioFormatException {
        BufferedReader lines = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        Set<String> warnedFields = new HashSet<>();
        List<ScenarioEvent> events = new ArrayList<>();
        int lineNumber = 0;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            lineNumber++;
            if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1); // a byte order mark left by some Windows editors
            }
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            try {
                events.add(parseLine(sourceName, lineNumber, text, warnedFields));
            } catch (ScenarioFormatException e) {
                if (!skipInvalid) {
                    throw e;
                }
                warnings.accept(e.getMessage());
            }
        }
        return Collections.unmodifiableList(events);
    }

    private ScenarioEvent parseLine(String source, int lineNumber, String text, Set<String> warnedFields)
            throws ScenarioFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ScenarioFormatException(source, lineNumber, "not valid JSON: " + jsonProblem(e));
        }
        if (!root.isObject()) {
            throw new ScenarioFormatException(source, lineNumber,
                    "expected a JSON object like {\"topic\": ..., \"value\": {...}}, got " + JsonText.describe(root));
        }

        JsonNode topicNode = root.get("topic");
        if (topicNode == null || topicNode.isNull()) {
            throw new ScenarioFormatException(source, lineNumber, "missing \"topic\"");
        }
        if (!topicNode.isTextual()) {
            throw new ScenarioFormatException(source, lineNumber,
                    "\"topic\" must be a string, got " + JsonText.describe(topicNode));
        }
        Topic<?> topic = Topic.inputWithId(topicNode.textValue()).orElseThrow(() -> new ScenarioFormatException(source,
                lineNumber, "unknown topic " + JsonText.quote(topicNode.textValue()) + " (expected one of "
                + Topic.inputIds() + ")"));

        JsonNode valueNode = root.get("value");
        if (valueNode == null || valueNode.isNull()) {
            throw new ScenarioFormatException(source, lineNumber, topic.id() + ": missing \"value\"");
        }
        if (!valueNode.isObject()) {
            throw new ScenarioFormatException(source, lineNumber,
                    topic.id() + ": \"value\" must be a JSON object, got " + JsonText.describe(valueNode));
        }
        if (topic == Topic.INVENTORY && isStorageLocation(valueNode)) {
            topic = Topic.STORAGE_LOCATIONS;
        }

        String what = topic.id() + " value: ";
        List<String> unknownFields = new ArrayList<>();
        SpecificRecord value;
        try {
            value = ContractJson.fromJson(valueNode, topic.valueType().asSubclass(SpecificRecord.class), unknownFields::add);
        } catch (IllegalArgumentException e) {
            throw new ScenarioFormatException(source, lineNumber, what + e.getMessage());
        }
        String impossible = ValueChecks.problem(value).orElse(null);
        if (impossible != null) {
            throw new ScenarioFormatException(source, lineNumber, what + impossible);
        }

        String key = topic.deriveKey(value);
        JsonNode keyNode = root.get("key");
        if (keyNode != null && !keyNode.isNull()) {
            if (!keyNode.isTextual() || keyNode.textValue().isEmpty()) {
                throw new ScenarioFormatException(source, lineNumber,
                        "\"key\" must be a non-empty string, got " + JsonText.describe(keyNode));
            }
            key = keyNode.textValue();
        }
        Instant eventTime = topic.eventTime(value).orElse(null);
        if (eventTime != null) {
            // The topology would dead-letter these times, and Kafka cannot store a time before 1970 or
            // (brokers' message.timestamp.after.max.ms) more than 1 h ahead: said here, with the line,
            // before a broker starts.
            if (eventTime.isBefore(EventValidation.EARLIEST)) {
                throw new ScenarioFormatException(source, lineNumber, what + "time " + eventTime + " is before "
                        + EventValidation.EARLIEST.atZone(ZoneOffset.UTC).getYear() + ": not a real event time"
                        + (eventTime.isBefore(Instant.EPOCH) ? " (and before 1970, which Kafka cannot store)" : ""));
            }
            final Instant now = clock.instant();
            if (eventTime.isAfter(now.plus(EventValidation.FUTURE_TOLERANCE))) {
                throw new ScenarioFormatException(source, lineNumber, what + "time " + eventTime + " is more than "
                        + EventValidation.FUTURE_TOLERANCE.toMinutes() + " min ahead of this machine's clock ("
                        + now.truncatedTo(ChronoUnit.SECONDS) + "): the pipeline takes it for a wrong clock"
                        + (eventTime.isAfter(now.plus(Duration.ofHours(1)))
                        ? ", and Kafka brokers reject records more than 1 h ahead" : ""));
            }
        }

        // Warned only for lines that are kept, and once per field so a big file stays readable.
        for (Map.Entry<String, JsonNode> property : root.properties()) {
            if (!LINE_FIELDS.contains(property.getKey()) && warnedFields.add(property.getKey())) {
                warnings.accept(source + ":" + lineNumber + ": unknown field "
                        + JsonText.quote(property.getKey()) + " ignored");
            }
        }
        for (String field : unknownFields) {
            if (warnedFields.add(topic.id() + " " + field)) {
                warnings.accept(source + ":" + lineNumber + ": " + what + "unknown field "
                        + JsonText.quote(field) + " ignored");
            }
        }
        return new ScenarioEvent(topic, key, value, eventTime, source, lineNumber);
    }

    /** Storage hosts come from the same inventory source as node placements: {storage, host}, no node. */
    private static boolean isStorageLocation(JsonNode value) {
        return value.hasNonNull("storage") && value.hasNonNull("host") && !value.has("node");
    }

    /** Jackson's message without its "at [Source: ...]" suffix, plus the column. */
    private static String jsonProblem(JsonProcessingException e) {
        String message = String.valueOf(e.getOriginalMessage()).replaceAll("\\s+", " ").strip();
        JsonLocation at = e.getLocation();
        return at != null && at.getColumnNr() > 0 ? message + " (column " + at.getColumnNr() + ")" : message;
    }
}
