package io.incidentcorrelator.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writes Avro records as the contract's JSON: plain objects with the contract's field names, in
 * schema order; absent optional fields left out (never {@code {"string": ...}}); times as
 * ISO-8601 UTC at millisecond precision ({@code 2026-02-26T02:23:12Z}); enums by symbol; map
 * keys sorted. Equal records give byte-identical text on any JVM.
 *
 * <p>This is the writing half of the streams app's {@code ContractJson} (which also reads), kept
 * here so collectors can write scenario lines without depending on the streams app; the output
 * is the same.
 */
public final class ContractJsonEncoder {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String TIMESTAMP_MILLIS = LogicalTypes.timestampMillis().getName();

    // Jackson's own shortest-repr double writer: Double.toString changed between JDK 17 and 19.
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private ContractJsonEncoder() {
    }

    /** The record as a contract JSON object. */
    public static ObjectNode toJson(IndexedRecord record) {
        Objects.requireNonNull(record, "record");
        return encodeRecord(record, "");
    }

    /** The record as compact one-line contract JSON, without a line terminator. */
    public static String toJsonLine(IndexedRecord record) {
        return write(toJson(record));
    }

    /**
     * One scenario-file line, {@code {"topic":…,"key":…,"value":{…}}}, without a line terminator.
     *
     * @param key may be null, then the line has no key and replay derives it
     */
    public static String scenarioLine(String topic, String key, IndexedRecord value) {
        Objects.requireNonNull(topic, "topic");
        final ObjectNode line = NODES.objectNode();
        line.put("topic", topic);
        if (key != null) {
            line.put("key", key);
        }
        line.set("value", toJson(value));
        return write(line);
    }

    private static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // a tree of plain nodes always serializes
        }
    }

    private static ObjectNode encodeRecord(IndexedRecord record, String path) {
        final ObjectNode out = NODES.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            final String fieldPath = path.isEmpty() ? field.name() : path + "." + field.name();
            final Object value = record.get(field.pos());
            if (value == null) {
                if (isNullable(field.schema())) {
                    continue;
                }
                throw new IllegalArgumentException("required field \"" + fieldPath + "\" is null");
            }
            out.set(field.name(), encode(value, field.schema(), fieldPath));
        }
        return out;
    }

    private static JsonNode encode(Object value, Schema s, String path) {
        if (value == null) {
            if (isNullable(s)) {
                return NODES.nullNode();
            }
            throw new IllegalArgumentException(field(path) + "must not be null");
        }
        switch (s.getType()) {
            case UNION:
                return encode(value, branchFor(value, s, path), path);
            case STRING:
            case ENUM:
                return NODES.textNode(value.toString());
            case BOOLEAN:
                return NODES.booleanNode((Boolean) value);
            case INT:
                return NODES.numberNode(((Number) value).intValue());
            case LONG:
                if (s.getLogicalType() != null && TIMESTAMP_MILLIS.equals(s.getLogicalType().getName())) {
                    final Instant t = value instanceof Instant i ? i : Instant.ofEpochMilli(((Number) value).longValue());
                    return NODES.textNode(Instant.ofEpochMilli(t.toEpochMilli()).toString());
                }
                return NODES.numberNode(((Number) value).longValue());
            case DOUBLE:
            case FLOAT: {
                final double d = ((Number) value).doubleValue();
                if (!Double.isFinite(d)) {
                    throw new IllegalArgumentException(field(path) + d + " cannot be written as JSON");
                }
                return s.getType() == Schema.Type.FLOAT ? NODES.numberNode((float) d) : NODES.numberNode(d);
            }
            case ARRAY: {
                final ArrayNode array = NODES.arrayNode();
                int i = 0;
                for (Object item : (Collection<?>) value) {
                    array.add(encode(item, s.getElementType(), path + "[" + i++ + "]"));
                }
                return array;
            }
            case MAP: {
                // Sorted keys: a HashMap's order would make equal records print differently.
                final ObjectNode map = NODES.objectNode();
                final Map<String, Object> sorted = new TreeMap<>();
                ((Map<?, ?>) value).forEach((k, v) -> sorted.put(k.toString(), v));
                sorted.forEach((k, v) -> map.set(k, encode(v, s.getValueType(), path + "." + k)));
                return map;
            }
            case RECORD:
                return encodeRecord((IndexedRecord) value, path);
            default:
                throw new IllegalArgumentException(field(path) + "Avro type " + s.getType() + " is not supported");
        }
    }

    private static Schema branchFor(Object value, Schema union, String path) {
        for (Schema branch : union.getTypes()) {
            if (fits(value, branch)) {
                return branch;
            }
        }
        throw new IllegalArgumentException(field(path) + value.getClass().getSimpleName() + " fits no branch of " + union);
    }

    private static boolean fits(Object value, Schema s) {
        return switch (s.getType()) {
            case RECORD -> value instanceof IndexedRecord r && r.getSchema().getFullName().equals(s.getFullName());
            case ENUM -> (value instanceof Enum<?> || value instanceof GenericEnumSymbol<?>)
                    && s.getEnumSymbols().contains(value.toString());
            case STRING -> value instanceof CharSequence;
            case BOOLEAN -> value instanceof Boolean;
            case INT -> value instanceof Integer;
            case LONG -> value instanceof Long || (value instanceof Instant && s.getLogicalType() != null);
            case DOUBLE -> value instanceof Double;
            case FLOAT -> value instanceof Float;
            case ARRAY -> value instanceof Collection<?>;
            case MAP -> value instanceof Map<?, ?>;
            default -> false;
        };
    }

    private static boolean isNullable(Schema s) {
        return s.getType() == Schema.Type.NULL
                || (s.getType() == Schema.Type.UNION && s.getTypes().stream().anyMatch(b -> b.getType() == Schema.Type.NULL));
    }

    private static String field(String path) {
        return path.isEmpty() ? "" : "field \"" + path + "\": ";
    }
}
