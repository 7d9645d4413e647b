package io.incidentcorrelator.serde;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import io.incidentcorrelator.avro.StorageLocation;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP client against stubs shaped as the Confluent Schema Registry API documents them. */
class HttpSchemaRegistryClientTest {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Schema SCHEMA = StorageLocation.getClassSchema();
    // A made-up credential: the test checks it is sent and never shown.
    private static final String USER_INFO = "svc-correlator:not-a-real-secret";

    private static WireMockServer wiremock;
    private String url;

    @BeforeAll
    static void startWireMock() {
        wiremock = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").containerThreads(8)
                .jettyAcceptors(1));
        wiremock.start();
    }

    @AfterAll
    static void stopWireMock() {
        wiremock.stop();
    }

    @BeforeEach
    void reset() {
        wiremock.resetAll();
        url = "http://127.0.0.1:" + wiremock.port();
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", CONTENT_TYPE).withBody(body);
    }

    @Test
    void registerPostsTheEscapedSchemaAndReturnsTheId() {
        wiremock.stubFor(post(urlEqualTo("/subjects/storage-locations-value/versions"))
                .willReturn(json(200, "{\"id\":1}")));

        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url)) {
            assertEquals(1, client.register("storage-locations-value", SCHEMA));
        }

        wiremock.verify(1, postRequestedFor(urlEqualTo("/subjects/storage-locations-value/versions"))
                .withHeader("Content-Type", equalTo(CONTENT_TYPE))
                // The schema travels as a JSON string holding the schema's JSON.
                .withRequestBody(matchingJsonPath("$.schema", equalToJson(SCHEMA.toString())))
                .withoutHeader("Authorization"));
        final String body = wiremock.getAllServeEvents().get(0).getRequest().getBodyAsString();
        assertTrue(body.startsWith("{\"schema\":\"{\\\"type\\\":\\\"record\\\""), body);
    }

    @Test
    void lookupIdPostsToTheSubject() {
        wiremock.stubFor(post(urlEqualTo("/subjects/storage-locations-value"))
                .willReturn(json(200, "{\"subject\":\"storage-locations-value\",\"id\":7,\"version\":2,\"schema\":"
                        + "\"{\\\"type\\\":\\\"string\\\"}\"}")));
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url)) {
            assertEquals(7, client.lookupId("storage-locations-value", SCHEMA));
        }
        wiremock.verify(postRequestedFor(urlEqualTo("/subjects/storage-locations-value"))
                .withHeader("Content-Type", equalTo(CONTENT_TYPE))
                .withRequestBody(matchingJsonPath("$.schema", equalToJson(SCHEMA.toString()))));
    }

    @Test
    void lookupOfAnUnregisteredSchemaFailsWithTheRegistrysWords() {
        wiremock.stubFor(post(urlEqualTo("/subjects/storage-locations-value"))
                .willReturn(json(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}")));
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url)) {
            final SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                    () -> client.lookupId("storage-locations-value", SCHEMA));
            assertEquals("Schema registry " + url + " answered HTTP 404, error_code 40403: Schema not found (looking up "
                    + "schema io.incidentcorrelator.avro.StorageLocation in subject storage-locations-value)", e.getMessage());
            assertEquals(404, e.httpStatus());
            assertEquals(40403, e.errorCode());
        }
        assertEquals(1, wiremock.getAllServeEvents().size(), "4xx is not retried");
    }

    @Test
    void schemaByIdGetsAndParsesTheSchema() {
        wiremock.stubFor(get(urlEqualTo("/schemas/ids/1"))
                .willReturn(json(200, "{\"schema\":" + quote(SCHEMA.toString()) + "}")));
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url)) {
            assertEquals(SCHEMA, client.schemaById(1));
        }
        wiremock.verify(getRequestedFor(urlEqualTo("/schemas/ids/1")));
    }

    @Test
    void unknownIdIsANotFoundException() {
        wiremock.stubFor(get(urlEqualTo("/schemas/ids/99"))
                .willReturn(json(404, "{\"error_code\":40403,\"message\":\"Schema 99 not found\"}")));
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url)) {
            final SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.schemaById(99));
            assertEquals("Schema registry " + url + " answered HTTP 404, error_code 40403: Schema 99 not found "
                    + "(fetching schema id 99)", e.getMessage());
            assertTrue(e.isNotFound());
            assertEquals("Schema 99 not found", e.registryMessage());
        }
    }

    @Test
    void compatibilityAgainstTheLatestVersion() {
        wiremock.stubFor(post(urlEqualTo("/compatibility/subjects/storage-locations-value/versions/latest"))
                .willReturn(json(200, "{\"is_compatible\":true}")));
        wiremock.stubFor(post(urlEqualTo("/compatibility/subjects/incidents-value/versions/latest"))
                .willReturn(json(200, "{\"is_compatible\":false}")));
        wiremock.stubFor(post(urlEqualTo("/compatibility/subjects/new-topic-value/versions/latest"))
                .willReturn(json(404, "{\"error_code\":40401,\"message\":\"Subject 'new-topic-value' not found.\"}")));
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url)) {
            assertTrue(client.isCompatible("storage-locations-value", SCHEMA));
            assertFalse(client.isCompatible("incidents-value", SCHEMA));
            assertTrue(client.isCompatible("new-topic-value", SCHEMA), "nothing to be incompatible with yet");
        }
        wiremock.verify(postRequestedFor(urlEqualTo("/compatibility/subjects/storage-locations-value/versions/latest"))
                .withHeader("Content-Type", equalTo(CONTENT_TYPE))
                .withRequestBody(matchingJsonPath("$.schema", equalToJson(SCHEMA.toString()))));
    }

    @Test
    void basicAuthIsSentButNeverShown() {
        wiremock.stubFor(post(urlEqualTo("/subjects/storage-locations-value/versions"))
                .willReturn(json(401, "{\"error_code\":401,\"message\":\"Unauthorized\"}")));
        final Map<String, Object> config = Map.of(RegistrySerdeConfig.BASIC_AUTH_USER_INFO, USER_INFO,
                RegistrySerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO");
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url, config)) {
            final SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                    () -> client.register("storage-locations-value", SCHEMA));
            assertEquals("Schema registry " + url + " answered HTTP 401, error_code 401: Unauthorized (registering "
                    + "subject storage-locations-value)", e.getMessage());
            assertFalse(client.toString().contains("secret"), client.toString());
            assertTrue(client.toString().contains("[hidden]"), client.toString());
        }
        final String expected = "Basic " + Base64.getEncoder().encodeToString(USER_INFO.getBytes(StandardCharsets.UTF_8));
        wiremock.verify(postRequestedFor(urlEqualTo("/subjects/storage-locations-value/versions"))
                .withHeader("Authorization", equalTo(expected)));
    }

    @Test
    void userInfoInTheUrlIsUsedAsBasicAuthNotDropped() {
        wiremock.stubFor(post(urlEqualTo("/subjects/storage-locations-value/versions"))
                .willReturn(json(200, "{\"id\":7}")));
        final String withUserInfo = url.replace("http://", "http://" + USER_INFO + "@");
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(withUserInfo)) {
            assertEquals(7, client.register("storage-locations-value", SCHEMA));
            assertFalse(client.toString().contains(USER_INFO), client.toString());
        }
        final String expected = "Basic " + Base64.getEncoder().encodeToString(USER_INFO.getBytes(StandardCharsets.UTF_8));
        wiremock.verify(postRequestedFor(urlEqualTo("/subjects/storage-locations-value/versions"))
                .withHeader("Authorization", equalTo(expected)));
        final ConfigException both = assertThrows(ConfigException.class, () -> new HttpSchemaRegistryClient(withUserInfo,
                Map.of(RegistrySerdeConfig.BASIC_AUTH_USER_INFO, USER_INFO)));
        assertTrue(both.getMessage().contains("give the credentials once"), both.getMessage());
        assertFalse(both.getMessage().contains(USER_INFO.substring(USER_INFO.indexOf(':') + 1)), both.getMessage());
    }

    @Test
    void malformedUserInfoIsRejectedWithoutEchoingIt() {
        final ConfigException e = assertThrows(ConfigException.class, () -> new HttpSchemaRegistryClient(url,
                Map.of(RegistrySerdeConfig.BASIC_AUTH_USER_INFO, "just-a-secret")));
        assertFalse(e.getMessage().contains("just-a-secret"), e.getMessage());
    }

    @Test
    void credentialsInTheUrlAreRedacted() {
        final HttpSchemaRegistryClient client = new HttpSchemaRegistryClient("http://user:pa55@127.0.0.1:1");
        assertEquals("http://***@127.0.0.1:1", client.url());
        assertFalse(client.toString().contains("pa55"));
    }

    @Test
    void aRegistryThatIsDownGivesOneClearException() throws IOException {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        final String downUrl = "http://127.0.0.1:" + closedPort;
        final long start = System.nanoTime();
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(downUrl,
                Map.of(RegistrySerdeConfig.BASIC_AUTH_USER_INFO, USER_INFO))) {
            final SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                    () -> client.register("pod-restarts-value", SCHEMA));
            assertEquals("Schema registry " + downUrl + " is unreachable: Connection refused (registering subject "
                    + "pod-restarts-value)", e.getMessage());
            assertEquals(SchemaRegistryException.NONE, e.httpStatus());
        }
        final long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 3_000, "bounded retries, took " + millis + " ms");
    }

    @Test
    void aServerErrorIsRetriedAFewTimesThenReportedOnce() {
        wiremock.stubFor(post(urlEqualTo("/subjects/pod-restarts-value/versions"))
                .willReturn(json(500, "{\"error_code\":50001,\"message\":\"Error in the backend datastore\"}")));
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url)) {
            final SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                    () -> client.register("pod-restarts-value", SCHEMA));
            assertEquals("Schema registry " + url + " answered HTTP 500, error_code 50001: Error in the backend datastore "
                    + "(registering subject pod-restarts-value)", e.getMessage());
            assertEquals(500, e.httpStatus());
            assertEquals(50001, e.errorCode());
            assertNull(e.getCause());
        }
        assertEquals(HttpSchemaRegistryClient.MAX_ATTEMPTS, wiremock.getAllServeEvents().size());
    }

    @Test
    void aNonJsonErrorPageIsQuotedBriefly() {
        wiremock.stubFor(get(urlEqualTo("/schemas/ids/1")).willReturn(aResponse().withStatus(403)
                .withHeader("Content-Type", "text/html").withBody("<html>\n<body>Forbidden by proxy</body>\n</html>")));
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url)) {
            final SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.schemaById(1));
            assertEquals("Schema registry " + url + " answered HTTP 403: <html> <body>Forbidden by proxy</body> </html> "
                    + "(fetching schema id 1)", e.getMessage());
        }
    }

    @Test
    void theNextUrlIsTriedWhenTheFirstIsDown() throws IOException {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        wiremock.stubFor(post(urlEqualTo("/subjects/storage-locations-value/versions"))
                .willReturn(json(200, "{\"id\":3}")));
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient("http://127.0.0.1:" + closedPort + "," + url)) {
            assertEquals(3, client.register("storage-locations-value", SCHEMA));
        }
    }

    @Test
    void subjectsAreEscapedInThePath() {
        wiremock.stubFor(post(urlEqualTo("/subjects/team%2Fa%20b-value/versions")).willReturn(json(200, "{\"id\":4}")));
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url)) {
            assertEquals(4, client.register("team/a b-value", SCHEMA));
        }
    }

    @Test
    void timeoutsAreConfigurable() {
        wiremock.stubFor(get(urlEqualTo("/schemas/ids/1")).willReturn(json(200, "{\"schema\":\"\\\"string\\\"\"}")
                .withFixedDelay(2_000)));
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url,
                Map.of(RegistrySerdeConfig.REQUEST_TIMEOUT_MS, "200"))) {
            final SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.schemaById(1));
            assertEquals("Schema registry " + url + " did not answer within 200 ms (fetching schema id 1)", e.getMessage());
        }
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
