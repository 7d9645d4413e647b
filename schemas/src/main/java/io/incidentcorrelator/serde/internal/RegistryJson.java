package io.incidentcorrelator.serde.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;

/** JSON bodies of the Confluent Schema Registry REST API. */
public final class RegistryJson {

    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RegistryJson() {
    }

    /** {@code {"schema":"<schema JSON as a string>"}}: Avro is the default schemaType, so it is left out. */
    public static String schemaRequest(Schema schema) {
        final ObjectNode body = MAPPER.createObjectNode();
        body.put("schema", schema.toString());
        return write(body);
    }

    /** The parsed body, or null when it is not JSON (a proxy's HTML error page, say). */
    public static JsonNode parseOrNull(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    public static String error(int errorCode, String message) {
        final ObjectNode body = MAPPER.createObjectNode();
        body.put("error_code", errorCode);
        body.put("message", message);
        return write(body);
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
