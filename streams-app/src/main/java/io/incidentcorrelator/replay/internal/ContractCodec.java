package io.incidentcorrelator.replay.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The reading half of {@code ContractJson}: walks an Avro schema alongside a JSON
 * tree. Errors are {@link IllegalArgumentException}s whose message names the field by its path
 * ({@code pods[1].restarts}) so the scenario reader can put them in front of a user unchanged.
 */
public final class ContractCodec {

    private static final String TIMESTAMP_MILLIS = LogicalTypes.timestampMillis().getName();

    private static final ObjectMapper DEFAULTS = new ObjectMapper();

    private final ClassLoader classes;
    private final Consumer<String> unknownFields;

    /**
     * @param classes       where the generated record and enum classes are loaded from
     * @param unknownFields receives the path of every JSON field the schema does not know, with
     *                      array indexes written as {@code []} so one name is reported per field
     */
    public ContractCodec(ClassLoader classes, Consumer<String> unknownFields) {
        this.classes = classes;
        this.unknownFields = unknownFields;
    }

    // ---------------------------------------------------------------- JSON -> Avro

    public IndexedRecord decodeRecord(JsonNode node, Schema schema) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object, got " + JsonText.describe(node));
        }
        return record(node, schema, "");
    }

    private IndexedRecord record(JsonNode node, Schema schema, String path) {
        IndexedRecord rec = newRecord(schema);
        for (Schema.Field field : schema.getFields()) {
            String fieldPath = path.isEmpty() ? field.name() : path + "." + field.name();
            JsonNode value = node.get(field.name());
            Object decoded;
            if (value == null || value.isNull()) {
                decoded = absent(field, fieldPath);
            } else {
                decoded = value(value, field.schema(), fieldPath);
            }
            rec.put(field.pos(), decoded);
        }
        for (Map.Entry<String, JsonNode> property : node.properties()) {
            String name = property.getKey();
            if (schema.getField(name) == null) {
                String unknown = path.isEmpty() ? name : path + "." + name;
                unknownFields.accept(unknown.replaceAll("\\[\\d+]", "[]"));
            }
        }
        return rec;
    }

    /** A field the JSON leaves out (or sets to null): fine when the schema gives it a value. */
    private Object absent(Schema.Field field, String path) {
        if (isNullable(field.schema())) {
            return null;
        }
        if (field.hasDefaultValue()) {
            // The default as JSON, read like any value: no shared mutable default instances.
            Object defaultValue = field.defaultVal();
            return value(defaultValue == JsonProperties.NULL_VALUE ? NullNode.getInstance()
                    : DEFAULTS.valueToTree(defaultValue), field.schema(), path);
        }
        throw new IllegalArgumentException("missing required field " + JsonText.quote(path));
    }

    private Object value(JsonNode v, Schema s, String path) {
        LogicalType logical = s.getLogicalType();
        if (logical != null && !TIMESTAMP_MILLIS.equals(logical.getName())) {
            throw new IllegalArgumentException(field(path) + "logical type " + logical.getName() + " is not supported");
        }
        switch (s.getType()) {
            case UNION:
                return union(v, s, path);
            case STRING:
                if (!v.isTextual()) {
                    throw wrongType(path, "a string", v);
                }
                return v.textValue();
            case BOOLEAN:
                if (!v.isBoolean()) {
                    throw wrongType(path, "true or false", v);
                }
                return v.booleanValue();
            case INT:
                return (int) integral(v, path, Integer.MIN_VALUE, Integer.MAX_VALUE, "an int");
            case LONG:
                if (logical != null) {
                    return timestamp(v, path);
                }
                return integral(v, path, Long.MIN_VALUE, Long.MAX_VALUE, "a long");
            case DOUBLE:
                return number(v, path);
            case FLOAT:
                return (float) number(v, path);
            case ENUM:
                return enumSymbol(v, s, path);
            case ARRAY: {
                if (!v.isArray()) {
                    throw wrongType(path, "an array", v);
                }
                List<Object> items = new ArrayList<>(v.size());
                for (int i = 0; i < v.size(); i++) {
                    items.add(item(v.get(i), s.getElementType(), path + "[" + i + "]"));
                }
                return items;
            }
            case MAP: {
                if (!v.isObject()) {
                    throw wrongType(path, "an object", v);
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : v.properties()) {
                    map.put(e.getKey(), item(e.getValue(), s.getValueType(), path + "." + e.getKey()));
                }
                return map;
            }
            case RECORD:
                if (!v.isObject()) {
                    throw wrongType(path, "an object", v);
                }
                return record(v, s, path);
            case NULL:
                throw wrongType(path, "null", v);
            default:
                throw new IllegalArgumentException(field(path) + "Avro type " + s.getType() + " is not supported");
        }
    }

    /** Array items and map values have no field default, so null is only fine for a nullable type. */
    private Object item(JsonNode v, Schema s, String path) {
        if (v.isNull()) {
            if (isNullable(s)) {
                return null;
            }
            throw new IllegalArgumentException(field(path) + "must not be null");
        }
        return value(v, s, path);
    }

    private Object union(JsonNode v, Schema s, String path) {
        List<Schema> branches = s.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).toList();
        if (branches.size() == 1) {
            return value(v, branches.get(0), path);
        }
        // Contract JSON carries no branch name, so the first branch the value fits wins;
        // unknown fields are only reported for that branch.
        for (Schema branch : branches) {
            List<String> unknown = new ArrayList<>();
            try {
                Object value = new ContractCodec(classes, unknown::add).value(v, branch, path);
                unknown.forEach(unknownFields);
                return value;
            } catch (IllegalArgumentException notThisOne) {
                // try the next branch
            }
        }
        String names = branches.stream().map(Schema::getName).collect(Collectors.joining(", "));
        throw new IllegalArgumentException(field(path) + "matches none of " + names + ", got " + JsonText.describe(v));
    }

    private static long integral(JsonNode v, String path, long min, long max, String kind) {
        if (!v.isNumber()) {
            throw wrongType(path, "an integer", v);
        }
        if ((v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue())) {
            throw wrongType(path, "an integer", v);
        }
        BigInteger exact;
        try {
            exact = v.isIntegralNumber() ? v.bigIntegerValue() : v.decimalValue().toBigIntegerExact();
        } catch (ArithmeticException fractional) {
            throw wrongType(path, "an integer", v);
        }
        if (exact.compareTo(BigInteger.valueOf(min)) < 0 || exact.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new IllegalArgumentException(field(path) + JsonText.describe(v) + " is out of range for " + kind);
        }
        return exact.longValue();
    }

    private static double number(JsonNode v, String path) {
        if (!v.isNumber()) {
            throw wrongType(path, "a number", v);
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d)) {
            throw wrongType(path, "a finite number", v);
        }
        return d;
    }

    private static Instant timestamp(JsonNode v, String path) {
        if (v.isTextual()) {
            try {
                return JsonText.parseInstant(v.textValue());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(field(path) + "invalid timestamp " + JsonText.describe(v)
                        + " (expected ISO-8601 like 2026-02-26T02:23:10Z)");
            }
        }
        if (v.isNumber()) {
            return Instant.ofEpochMilli(integral(v, path, Long.MIN_VALUE, Long.MAX_VALUE, "epoch milliseconds"));
        }
        throw wrongType(path, "an ISO-8601 time or epoch milliseconds", v);
    }

    private Object enumSymbol(JsonNode v, Schema s, String path) {
        if (!v.isTextual()) {
            throw wrongType(path, "one of " + String.join(", ", s.getEnumSymbols()), v);
        }
        String wanted = normalizeSymbol(v.textValue());
        for (String symbol : s.getEnumSymbols()) {
            if (normalizeSymbol(symbol).equals(wanted)) {
                return enumConstant(s, symbol);
            }
        }
        throw new IllegalArgumentException(field(path) + "unknown symbol " + JsonText.describe(v)
                + " (expected one of " + String.join(", ", s.getEnumSymbols()) + ")");
    }

    /** Collectors and people write {@code job-start} or {@code Job_Start}; the schema says JOB_START. */
    private static String normalizeSymbol(String s) {
        return s.trim().replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /*
     * Generated classes are looked up by the schema's full name here rather than through
     * SpecificData.getClass, which since Avro 1.12.1 refuses packages not listed in
     * org.apache.avro.SERIALIZABLE_PACKAGES. The names come from the generated class's own
     * embedded schema, never from the JSON, so no untrusted class name is ever loaded.
     */
    private IndexedRecord newRecord(Schema schema) {
        Class<?> type = generatedClass(schema);
        if (!IndexedRecord.class.isAssignableFrom(type)) {
            throw new IllegalStateException(type + " is not a generated Avro record");
        }
        try {
            return (IndexedRecord) type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + type.getName(), e);
        }
    }

    private Object enumConstant(Schema schema, String symbol) {
        Class<?> type = generatedClass(schema);
        for (Object constant : type.getEnumConstants() == null ? new Object[0] : type.getEnumConstants()) {
            if (((Enum<?>) constant).name().equals(symbol)) {
                return constant;
            }
        }
        throw new IllegalStateException(type + " is not the generated enum for " + schema.getFullName());
    }

    private Class<?> generatedClass(Schema schema) {
        try {
            return Class.forName(SpecificData.getClassName(schema), false, classes);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("no generated class for " + schema.getFullName(), e);
        }
    }

    // ---------------------------------------------------------------- shared

    private static boolean isNullable(Schema s) {
        return s.getType() == Schema.Type.NULL
                || (s.getType() == Schema.Type.UNION && s.getTypes().stream().anyMatch(b -> b.getType() == Schema.Type.NULL));
    }

    private static String field(String path) {
        return path.isEmpty() ? "" : "field " + JsonText.quote(path) + ": ";
    }

    private static IllegalArgumentException wrongType(String path, String expected, JsonNode got) {
        return new IllegalArgumentException(field(path) + "expected " + expected + ", got " + JsonText.describe(got));
    }
}
