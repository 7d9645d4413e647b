package io.incidentcorrelator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.incidentcorrelator.contract.ContractJsonEncoder;
import io.incidentcorrelator.replay.internal.ContractCodec;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Converts between the contract's JSON (plain objects with the contract's field names, as in
 * scenario files and incident output) and the generated Avro records. This is not Avro's own
 * JSON encoding: optional fields are plain values or absent, never {@code {"string": ...}}.
 *
 * <p>Reading: optional fields may be absent or null; times are ISO-8601 strings (with {@code Z}
 * or an offset) or epoch milliseconds; enum symbols are matched case-insensitively with
 * {@code -} read as {@code _}; integers must be integral and in range; unknown fields are
 * ignored. Problems are {@link IllegalArgumentException}s naming the field.
 *
 * <p>Writing: fields in schema order, absent optional fields left out, times as ISO-8601 UTC
 * ({@code 2026-02-26T02:23:12Z}), enums by symbol. Equal records give byte-identical text, on
 * any JVM, because replays are compared byte for byte. Writing is the schemas module's
 * {@link ContractJsonEncoder}, so collectors' {@code --print} lines and replay output agree.
 */
public final class ContractJson {

    private ContractJson() {
    }

    /**
     * Reads one contract JSON object as a record of {@code type}.
     *
     * @throws IllegalArgumentException when the JSON does not fit the schema; the message names
     *                                  the field, e.g. {@code missing required field "finishedAt"}
     */
    public static <T extends SpecificRecord> T fromJson(JsonNode node, Class<T> type) {
        return fromJson(node, type, unknownField -> { });
    }

    /** As {@link #fromJson(JsonNode, Class)}, telling {@code unknownFields} each field it ignored. */
    static <T extends SpecificRecord> T fromJson(JsonNode node, Class<T> type, Consumer<String> unknownFields) {
        Objects.requireNonNull(type, "type");
        Schema schema = SpecificData.get().getSchema(type);
        Object record = new ContractCodec(type.getClassLoader(), unknownFields).decodeRecord(node, schema);
        return type.cast(record);
    }

    /** The record as a contract JSON object, fields in schema order. */
    public static ObjectNode toJson(SpecificRecord record) {
        return ContractJsonEncoder.toJson(record);
    }

    /** The record as compact one-line contract JSON, without a line terminator. */
    public static String toJsonLine(SpecificRecord record) {
        return ContractJsonEncoder.toJsonLine(record);
    }
}
