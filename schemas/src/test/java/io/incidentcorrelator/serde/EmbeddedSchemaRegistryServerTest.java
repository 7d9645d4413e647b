package io.incidentcorrelator.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.PodRestart;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP client and the serde end to end against the embedded registry server. */
class EmbeddedSchemaRegistryServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient RAW = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private InMemorySchemaRegistry registry;
    private EmbeddedSchemaRegistryServer server;

    @BeforeEach
    void start() {
        registry = new InMemorySchemaRegistry("mock://embedded");
        server = EmbeddedSchemaRegistryServer.start(registry);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void serdeOverHttpEndToEnd() {
        final Map<String, Object> config = Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, server.url());
        try (RegistryAvroSerde<Incident> producerSide = new RegistryAvroSerde<>(Incident.class);
                RegistryAvroSerde<Incident> consumerSide = new RegistryAvroSerde<>(Incident.class)) {
            producerSide.configure(config, false);
            consumerSide.configure(config, false);

            final byte[] bytes = producerSide.serializer().serialize("incidents", TestRecords.incident());
            assertEquals(0, bytes[0]);
            assertEquals(1, Frames.schemaId(bytes));
            assertEquals(TestRecords.incident(), consumerSide.deserializer().deserialize("incidents", bytes));
        }
        assertEquals(java.util.List.of("incidents-value"), registry.subjects(), "registered in the in-process registry");
    }

    @Test
    void httpClientMirrorsTheInMemoryRegistry() {
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(server.url())) {
            final int id = client.register("pod-restarts-value", PodRestart.getClassSchema());
            assertEquals(registry.lookupId("pod-restarts-value", PodRestart.getClassSchema()), id);
            assertEquals(id, client.lookupId("pod-restarts-value", PodRestart.getClassSchema()));
            assertEquals(PodRestart.getClassSchema(), client.schemaById(id));
            assertTrue(client.isCompatible("pod-restarts-value", SchemaEvolutionTest.podRestartV1()));
            assertTrue(client.isCompatible("no-such-subject", PodRestart.getClassSchema()));
            assertEquals(id, client.register("team/a b", PodRestart.getClassSchema()), "odd subject names survive the path");
            assertTrue(registry.subjects().contains("team/a b"));
        }
    }

    @Test
    void errorsComeBackAsConfluentErrorBodies() throws Exception {
        final HttpResponse<String> missing = send("GET", "/schemas/ids/99", null);
        assertEquals(404, missing.statusCode());
        assertEquals("application/vnd.schemaregistry.v1+json", missing.headers().firstValue("Content-Type").orElse(""));
        assertEquals(JSON.readTree("{\"error_code\":40403,\"message\":\"Schema 99 not found\"}"), JSON.readTree(missing.body()));

        final HttpResponse<String> noSubject = send("GET", "/subjects/nope/versions", null);
        assertEquals(404, noSubject.statusCode());
        assertEquals(40401, JSON.readTree(noSubject.body()).get("error_code").asInt());

        final HttpResponse<String> badSchema = send("POST", "/subjects/x/versions", "{\"schema\":\"{not avro\"}");
        assertEquals(422, badSchema.statusCode());
        assertEquals(42201, JSON.readTree(badSchema.body()).get("error_code").asInt());

        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(server.url())) {
            SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.schemaById(99));
            assertEquals("Schema registry " + server.url() + " answered HTTP 404, error_code 40403: Schema 99 not found "
                    + "(fetching schema id 99)", e.getMessage());

            e = assertThrows(SchemaRegistryException.class,
                    () -> client.lookupId("pod-restarts-value", PodRestart.getClassSchema()));
            assertEquals(40401, e.errorCode());

            client.register("pod-restarts-value", PodRestart.getClassSchema());
            final Schema retyped = new Schema.Parser().parse(PodRestart.getClassSchema().toString()
                    .replace("{\"name\":\"restartCount\",\"type\":\"int\"", "{\"name\":\"restartCount\",\"type\":\"string\""));
            assertFalse(client.isCompatible("pod-restarts-value", retyped));
            e = assertThrows(SchemaRegistryException.class, () -> client.register("pod-restarts-value", retyped));
            assertEquals(409, e.httpStatus());
            assertTrue(e.getMessage().startsWith("Schema registry " + server.url() + " answered HTTP 409, error_code 409: "
                    + "Schema being registered is incompatible"), e.getMessage());
        }
    }

    @Test
    void readOnlyEndpoints() throws Exception {
        registry.register("pod-restarts-value", SchemaEvolutionTest.podRestartV1());
        registry.register("pod-restarts-value", PodRestart.getClassSchema());

        assertEquals(JSON.readTree("[\"pod-restarts-value\"]"), JSON.readTree(send("GET", "/subjects", null).body()));
        assertEquals(JSON.readTree("[1,2]"),
                JSON.readTree(send("GET", "/subjects/pod-restarts-value/versions", null).body()));
        final JsonNode latest = JSON.readTree(send("GET", "/subjects/pod-restarts-value/versions/latest", null).body());
        assertEquals(2, latest.get("version").asInt());
        assertEquals(2, latest.get("id").asInt());
        assertEquals("pod-restarts-value", latest.get("subject").asText());
        assertEquals(PodRestart.getClassSchema(), new Schema.Parser().parse(latest.get("schema").asText()));
        assertEquals(1, JSON.readTree(send("GET", "/subjects/pod-restarts-value/versions/1", null).body())
                .get("version").asInt());
        assertEquals(404, send("GET", "/subjects/pod-restarts-value/versions/3", null).statusCode());
        assertEquals(404, send("GET", "/nothing/here", null).statusCode());
        assertEquals(405, send("DELETE", "/subjects", null).statusCode());
    }

    @Test
    void aStoppedServerIsReportedAsUnreachable() {
        final String url = server.url();
        server.close();
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(PodRestart.class)) {
            serde.configure(Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, url), false);
            final SchemaRegistryUnavailableException e = assertThrows(SchemaRegistryUnavailableException.class,
                    () -> serde.serializer().serialize("pod-restarts", TestRecords.podRestart()));
            assertEquals("cannot get a schema id for io.incidentcorrelator.avro.PodRestart on topic pod-restarts: Schema "
                    + "registry " + url + " is unreachable: Connection refused (registering subject pod-restarts-value)",
                    e.getMessage());
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return RAW.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
