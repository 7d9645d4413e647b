package io.incidentcorrelator.collectors.proxmox;

import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.incidentcorrelator.collectors.TlsOptions;
import io.incidentcorrelator.collectors.testing.LogCapture;
import io.incidentcorrelator.collectors.testing.MutableClock;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import io.incidentcorrelator.collectors.testing.SelfSignedCert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static io.incidentcorrelator.collectors.proxmox.ProxmoxTestSupport.data;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 401, 5xx, timeouts, refused connections and TLS: what the operator sees, and that the secret never shows. */
class ProxmoxFailureHandlingTest {

    private static final String NODE_STATUS = """
            {"cpu":0.05,"wait":0.01,"memory":{"total":134850203648,"used":67425101824,"free":67425101824}}""";

    @TempDir
    static Path certDir;
    private static SelfSignedCert cert;

    private WireMockServer pve;
    private final String secret = ProxmoxTestSupport.fakeSecret();

    @BeforeAll
    static void makeCertificate() throws Exception {
        cert = SelfSignedCert.create(certDir);
    }

    @AfterEach
    void stop() {
        if (pve != null) {
            pve.stop();
        }
    }

    private static ProxmoxApiException failure(ProxmoxClient client) {
        return assertThrows(ProxmoxApiException.class, () -> client.get("/nodes/ruapehu/status", Map.of()));
    }

    @Test
    void unauthorizedAndServerErrorsBackOffWithOneLinePerStateChangeAndNoSecret() throws Exception {
        pve = LoopbackWireMock.start();
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status")).inScenario("s").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(401).withBody("")).willSetStateTo("500"));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status")).inScenario("s").whenScenarioStateIs("500")
                .willReturn(aResponse().withStatus(500).withBody("{\"data\":null}")).willSetStateTo("ok"));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status")).inScenario("s").whenScenarioStateIs("ok")
                .willReturn(okJson(data(NODE_STATUS))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu")).willReturn(okJson(data("[]"))));

        final MutableClock clock = new MutableClock(Instant.parse("2026-02-26T02:00:00Z"));
        final RecordingWriter sink = new RecordingWriter();
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create(pve.baseUrl()), secret, List.of("ruapehu"));
        final String text;
        try (LogCapture log = LogCapture.start()) {
            final ProxmoxClient client = new ProxmoxClient(config);
            final MemoryPoller poller = new MemoryPoller(client, config, sink, clock);
            assertEquals(0, poller.pollOnce());      // 401
            clock.advance(Duration.ofSeconds(10));
            assertEquals(0, poller.pollOnce());      // backing off: not even asked
            pve.verify(1, getRequestedFor(urlPathEqualTo("/api2/json/nodes/ruapehu/status")));
            clock.advance(Duration.ofSeconds(20));
            assertEquals(0, poller.pollOnce());      // 500, backoff doubles to 60 s
            clock.advance(Duration.ofSeconds(59));
            assertEquals(0, poller.pollOnce());
            pve.verify(2, getRequestedFor(urlPathEqualTo("/api2/json/nodes/ruapehu/status")));
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1, poller.pollOnce());      // recovered
            clock.advance(Duration.ofSeconds(30));
            assertEquals(1, poller.pollOnce());
            text = log.text();

            assertEquals(1, log.linesContaining("WARN", "proxmox-memory", "ruapehu", "failing").size(), text);
            assertTrue(log.linesContaining("WARN", "HTTP 401", ProxmoxTestSupport.TOKEN_ID).size() == 1, text);
            assertEquals(1, log.linesContaining("INFO", "ruapehu", "recovered after 2 failed attempt(s)").size(), text);
            assertEquals(1, log.linesContaining("DEBUG", "still failing", "HTTP 500").size(), text);
            assertEquals(0, log.linesContaining("WARN", "HTTP 500").size(), text);
        }
        assertFalse(text.contains(secret), "the token secret leaked into the log");
        assertFalse(config.toString().contains(secret));
        assertTrue(config.toString().contains("secret=****"));
        pve.verify(getRequestedFor(urlPathEqualTo("/api2/json/nodes/ruapehu/status"))
                .withHeader("Authorization", equalTo(ProxmoxTestSupport.expectedHeader(secret))));
    }

    @Test
    void errorKindsAndMessages() throws Exception {
        pve = LoopbackWireMock.start();
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create(pve.baseUrl()), secret, List.of("ruapehu"))
                .withTimings(Duration.ofSeconds(30), Duration.ofMillis(400), Duration.ofMinutes(5));
        final ProxmoxClient client = new ProxmoxClient(config);

        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status"))
                .willReturn(aResponse().withStatus(401)));
        ProxmoxApiException e = failure(client);
        assertEquals(ProxmoxApiException.Kind.AUTH, e.kind());
        assertEquals(401, e.status());

        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status"))
                .willReturn(aResponse().withStatus(500).withBody("{\"data\":null}")));
        e = failure(client);
        assertEquals(ProxmoxApiException.Kind.SERVER, e.kind());
        assertEquals(500, e.status());

        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status"))
                .willReturn(okJson(data(NODE_STATUS)).withFixedDelay(2000)));
        final long t0 = System.nanoTime();
        e = failure(client);
        assertEquals(ProxmoxApiException.Kind.TIMEOUT, e.kind());
        assertTrue(System.nanoTime() - t0 < 1_900_000_000L, "the request timeout bounds the wait");

        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status"))
                .willReturn(aResponse().withStatus(200).withBody("<html>proxy error</html>")));
        assertEquals(ProxmoxApiException.Kind.BAD_RESPONSE, failure(client).kind());
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status")).willReturn(okJson("{\"errors\":{}}")));
        assertEquals(ProxmoxApiException.Kind.BAD_RESPONSE, failure(client).kind());

        final int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        final ProxmoxConfig refused = ProxmoxTestSupport.config(URI.create("http://127.0.0.1:" + closedPort), secret,
                List.of("ruapehu"));
        assertEquals(ProxmoxApiException.Kind.CONNECT, failure(new ProxmoxClient(refused)).kind());
    }

    private WireMockServer startHttps() {
        final WireMockServer server = new WireMockServer(WireMockConfiguration.options()
                .bindAddress("127.0.0.1").httpDisabled(true).dynamicHttpsPort()
                .keystorePath(cert.keystore().toString()).keystoreType("PKCS12")
                .keystorePassword(cert.password()).keyManagerPassword(cert.password())
                .containerThreads(8).jettyAcceptors(1));
        server.start();
        server.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status")).willReturn(okJson(data(NODE_STATUS))));
        return server;
    }

    @Test
    void selfSignedCertificateIsRejectedByDefault() throws Exception {
        pve = startHttps();
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create("https://127.0.0.1:" + pve.httpsPort()),
                secret, List.of("ruapehu"));
        final ProxmoxApiException e = failure(new ProxmoxClient(config));
        assertEquals(ProxmoxApiException.Kind.TLS, e.kind());
        assertTrue(e.getMessage().contains("TLS handshake"), e.getMessage());
        assertTrue(e.getMessage().contains("CA file"), e.getMessage());
        assertFalse(e.getMessage().contains(secret));
        // The request never got through, so the secret did not leave the process.
        pve.verify(0, getRequestedFor(urlPathEqualTo("/api2/json/nodes/ruapehu/status")));
    }

    @Test
    void selfSignedCertificateIsTrustedThroughTheCaFile() throws Exception {
        pve = startHttps();
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create("https://127.0.0.1:" + pve.httpsPort()),
                secret, List.of("ruapehu")).withTls(TlsOptions.trustCaFile(cert.certificatePem()));
        assertEquals(134850203648L, new ProxmoxClient(config).get("/nodes/ruapehu/status", Map.of())
                .get("memory").get("total").asLong());
    }

    @Test
    void caFileStillChecksTheHostName() throws Exception {
        pve = startHttps();
        // The certificate names 127.0.0.1 and localhost, not 127.0.0.2 (also loopback on Linux).
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create("https://127.0.0.2:" + pve.httpsPort()),
                secret, List.of("ruapehu")).withTls(TlsOptions.trustCaFile(cert.certificatePem()));
        final ProxmoxApiException e = failure(new ProxmoxClient(config));
        assertTrue(e.kind() == ProxmoxApiException.Kind.TLS || e.kind() == ProxmoxApiException.Kind.CONNECT,
                e.kind() + ": " + e.getMessage());
    }

    @Test
    void insecureFlagAcceptsTheSelfSignedCertificate() throws Exception {
        pve = startHttps();
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create("https://127.0.0.1:" + pve.httpsPort()),
                secret, List.of("ruapehu")).withTls(TlsOptions.insecureNoVerification());
        assertEquals(67425101824L, new ProxmoxClient(config).get("/nodes/ruapehu/status", Map.of())
                .get("memory").get("used").asLong());
        pve.verify(getRequestedFor(urlPathEqualTo("/api2/json/nodes/ruapehu/status"))
                .withHeader("Authorization", equalTo(ProxmoxTestSupport.expectedHeader(secret))));
    }

    @Test
    void secretComesFromEnvOrFileAndIsMasked(@TempDir Path dir) throws IOException {
        final Path file = dir.resolve("token-secret");
        java.nio.file.Files.writeString(file, secret + "\n");
        final ApiToken fromFile = ApiToken.fromFile(ProxmoxTestSupport.TOKEN_ID, file);
        assertEquals(ProxmoxTestSupport.expectedHeader(secret), fromFile.authorizationHeader());
        assertFalse(fromFile.toString().contains(secret));

        final ApiToken fromEnv = ApiToken.fromEnv(ProxmoxTestSupport.TOKEN_ID, "PVE_TOKEN_SECRET",
                Map.of("PVE_TOKEN_SECRET", secret)::get);
        assertEquals(ProxmoxTestSupport.expectedHeader(secret), fromEnv.authorizationHeader());
        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ApiToken.fromEnv(ProxmoxTestSupport.TOKEN_ID, "PVE_TOKEN_SECRET", name -> null));
        assertTrue(missing.getMessage().contains("PVE_TOKEN_SECRET"));
        assertThrows(IllegalArgumentException.class, () -> ApiToken.of("root@pam", secret), "id without !TOKENID");
    }
}
