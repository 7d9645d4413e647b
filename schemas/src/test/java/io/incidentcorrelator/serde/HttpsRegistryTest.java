package io.incidentcorrelator.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.incidentcorrelator.avro.StorageLocation;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS stays verified: a self-signed registry is refused unless its certificate is in the configured trust store. */
class HttpsRegistryTest {

    // Throwaway store password for a key generated for this test run only.
    // Generated per run: no credential literal in the code, even for a throw-away key store.
    private static final String STORE_PASSWORD = java.util.UUID.randomUUID().toString();

    @TempDir
    static Path dir;

    private static HttpsServer server;
    private static final AtomicInteger REQUESTS = new AtomicInteger();
    private static Path trustStore;

    @BeforeAll
    static void startHttpsServer() throws Exception {
        final Path keyStore = dir.resolve("server.p12");
        trustStore = dir.resolve("trust.p12");
        final Path cert = dir.resolve("server.crt");
        final String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", STORE_PASSWORD);
        run(keytool, "-exportcert", "-alias", "registry", "-keystore", keyStore.toString(), "-storepass", STORE_PASSWORD,
                "-file", cert.toString());
        run(keytool, "-importcert", "-noprompt", "-alias", "registry", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", STORE_PASSWORD);

        final KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            keys.load(in, STORE_PASSWORD.toCharArray());
        }
        final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, STORE_PASSWORD.toCharArray());
        final SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        server.createContext("/", exchange -> {
            REQUESTS.incrementAndGet();
            final byte[] body = "{\"id\":5}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static String url() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void selfSignedCertificateIsRefusedByDefault() {
        final int before = REQUESTS.get();
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url())) {
            final SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                    () -> client.register("storage-locations-value", StorageLocation.getClassSchema()));
            assertTrue(e.getMessage().startsWith("Schema registry " + url() + " failed the TLS handshake: "), e.getMessage());
            assertTrue(e.getMessage().endsWith("(registering subject storage-locations-value)"), e.getMessage());
        }
        assertEquals(before, REQUESTS.get(), "no request got through");
    }

    @Test
    void configuredTrustStoreIsUsed() {
        final Map<String, Object> config = Map.of(
                RegistrySerdeConfig.SSL_TRUSTSTORE_LOCATION, trustStore.toString(),
                RegistrySerdeConfig.SSL_TRUSTSTORE_PASSWORD_KEY, STORE_PASSWORD);
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url(), config)) {
            assertEquals(5, client.register("storage-locations-value", StorageLocation.getClassSchema()));
        }
    }

    private static void run(String... command) throws Exception {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
