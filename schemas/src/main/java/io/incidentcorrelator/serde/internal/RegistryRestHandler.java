package io.incidentcorrelator.serde.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.serde.SchemaRegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Confluent Schema Registry REST endpoints, backed by an {@link InMemorySchemaRegistry}. */
public final class RegistryRestHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryRestHandler.class);
    private static final int MAX_BODY_BYTES = 1 << 20;

    private final InMemorySchemaRegistry registry;

    public RegistryRestHandler(InMemorySchemaRegistry registry) {
        this.registry = registry;
    }

    /** An answer to send: status and JSON body. */
    private record Reply(int status, String body) {
        static Reply ok(Object value) {
            return new Reply(200, RegistryJson.write(value));
        }

        static Reply error(int status, int errorCode, String message) {
            return new Reply(status, RegistryJson.error(errorCode, message));
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Reply reply;
        try {
            reply = route(exchange.getRequestMethod(), segments(exchange.getRequestURI().getRawPath()), exchange);
        } catch (SchemaRegistryException e) {
            reply = Reply.error(e.httpStatus() > 0 ? e.httpStatus() : 500,
                    e.errorCode() > 0 ? e.errorCode() : ErrorCodes.INTERNAL_ERROR,
                    e.registryMessage() != null ? e.registryMessage() : e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("Embedded schema registry failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            reply = Reply.error(500, ErrorCodes.INTERNAL_ERROR, "Internal error: " + e);
        }
        final byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", RegistryJson.CONTENT_TYPE);
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Reply route(String method, List<String> path, HttpExchange exchange) throws IOException {
        final int n = path.size();
        if (n == 1 && path.get(0).equals("subjects")) {
            return "GET".equals(method) ? Reply.ok(registry.subjects()) : notAllowed(method);
        }
        if (n == 2 && path.get(0).equals("subjects")) {
            // POST /subjects/{subject}: is this schema registered under the subject?
            if (!"POST".equals(method)) {
                return notAllowed(method);
            }
            final InMemorySchemaRegistry.Version v = registry.lookup(path.get(1), readSchema(exchange));
            return Reply.ok(version(v));
        }
        if (n == 3 && path.get(0).equals("subjects") && path.get(2).equals("versions")) {
            final String subject = path.get(1);
            if ("POST".equals(method)) {
                return Reply.ok(Map.of("id", registry.register(subject, readSchema(exchange))));
            }
            if ("GET".equals(method)) {
                final List<InMemorySchemaRegistry.Version> versions = registry.versions(subject);
                if (versions.isEmpty()) {
                    return subjectNotFound(subject);
                }
                final List<Integer> numbers = new ArrayList<>();
                versions.forEach(v -> numbers.add(v.version()));
                return Reply.ok(numbers);
            }
            return notAllowed(method);
        }
        if (n == 4 && path.get(0).equals("subjects") && path.get(2).equals("versions")) {
            if (!"GET".equals(method)) {
                return notAllowed(method);
            }
            final String subject = path.get(1);
            final List<InMemorySchemaRegistry.Version> versions = registry.versions(subject);
            if (versions.isEmpty()) {
                return subjectNotFound(subject);
            }
            final Optional<InMemorySchemaRegistry.Version> found = findVersion(versions, path.get(3));
            if (found == null) {
                return Reply.error(422, ErrorCodes.INVALID_VERSION, "The specified version '" + path.get(3)
                        + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
            }
            return found.map(v -> Reply.ok(version(v)))
                    .orElseGet(() -> Reply.error(404, ErrorCodes.VERSION_NOT_FOUND, "Version " + path.get(3) + " not found."));
        }
        if (n == 3 && path.get(0).equals("schemas") && path.get(1).equals("ids")) {
            if (!"GET".equals(method)) {
                return notAllowed(method);
            }
            final int id;
            try {
                id = Integer.parseInt(path.get(2));
            } catch (NumberFormatException e) {
                return Reply.error(404, ErrorCodes.SCHEMA_NOT_FOUND, "Schema " + path.get(2) + " not found");
            }
            return Reply.ok(Map.of("schema", registry.schemaById(id).toString()));
        }
        if (n == 5 && path.get(0).equals("compatibility") && path.get(1).equals("subjects") && path.get(3).equals("versions")
                && path.get(4).equals("latest")) {
            if (!"POST".equals(method)) {
                return notAllowed(method);
            }
            return Reply.ok(Map.of("is_compatible", registry.isCompatible(path.get(2), readSchema(exchange))));
        }
        return Reply.error(404, ErrorCodes.NOT_FOUND, "HTTP 404 Not Found");
    }

    /** Empty when there is no such version, null when the version string is not valid. */
    private static Optional<InMemorySchemaRegistry.Version> findVersion(List<InMemorySchemaRegistry.Version> versions,
            String version) {
        if (version.equals("latest") || version.equals("-1")) {
            return Optional.of(versions.get(versions.size() - 1));
        }
        final int number;
        try {
            number = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            return null;
        }
        if (number < 1) {
            return null;
        }
        return number <= versions.size() ? Optional.of(versions.get(number - 1)) : Optional.empty();
    }

    private static Map<String, Object> version(InMemorySchemaRegistry.Version v) {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("subject", v.subject());
        body.put("version", v.version());
        body.put("id", v.id());
        body.put("schema", v.schema().toString());
        return body;
    }

    private static Reply subjectNotFound(String subject) {
        return Reply.error(404, ErrorCodes.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    private static Reply notAllowed(String method) {
        return Reply.error(405, ErrorCodes.METHOD_NOT_ALLOWED, "HTTP 405 Method " + method + " Not Allowed");
    }

    private static Schema readSchema(HttpExchange exchange) throws IOException {
        final byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw invalid("request body larger than " + MAX_BODY_BYTES + " bytes");
        }
        final JsonNode json = RegistryJson.parseOrNull(new String(body, StandardCharsets.UTF_8));
        if (json == null || !json.isObject() || !json.path("schema").isTextual()) {
            throw invalid("expected a JSON body with a \"schema\" string");
        }
        final String type = json.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw invalid("only AVRO schemas are supported, not " + type);
        }
        try {
            return new Schema.Parser().parse(json.get("schema").asText());
        } catch (SchemaParseException e) {
            throw invalid("Invalid schema: " + e.getMessage());
        }
    }

    private static SchemaRegistryException invalid(String message) {
        return new SchemaRegistryException(message, 422, ErrorCodes.INVALID_SCHEMA, message, null);
    }

    private static List<String> segments(String rawPath) {
        final List<String> result = new ArrayList<>();
        for (String raw : rawPath.split("/")) {
            if (!raw.isEmpty()) {
                result.add(Urls.decodeSegment(raw));
            }
        }
        return result;
    }
}
