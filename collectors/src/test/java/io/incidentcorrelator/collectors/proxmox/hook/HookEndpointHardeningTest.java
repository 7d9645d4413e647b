package io.incidentcorrelator.collectors.proxmox.hook;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.collectors.proxmox.BackupPhaseDedup;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import io.incidentcorrelator.collectors.testing.SelfSignedCert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hook endpoint against slow, many and hostile clients, per-node tokens and TLS. */
@Timeout(90)
class HookEndpointHardeningTest {

    private final RecordingWriter sink = new RecordingWriter();
    private final List<Socket> attackers = new ArrayList<>();
    private final AtomicBoolean attacking = new AtomicBoolean(true);
    private HookEndpoint endpoint;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws IOException {
        attacking.set(false);
        for (Socket s : attackers) {
            s.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    static {
        // The first BackupEvent built in a JVM loads Avro's classes, seconds on a busy machine:
        // not what these tests time.
        BackupEvent.newBuilder().setHost("warm-up").setPhase(io.incidentcorrelator.avro.BackupPhase.JOB_START)
                .setTime(java.time.Instant.EPOCH).build();
    }

    private URI start(HookConfig config) throws IOException {
        endpoint = new HookEndpoint(config, sink, s -> null, new BackupPhaseDedup());
        endpoint.start();
        final URI uri = URI.create((config.tls() == null ? "http" : "https") + "://127.0.0.1:"
                + endpoint.address().getPort() + HookEndpoint.PATH);
        if (config.tls() == null) {
            // The first request in a JVM loads Netty's HTTP classes (seconds on a busy machine): not timed here.
            try {
                plain().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return uri;
    }

    private static HookConfig loopback() {
        return HookConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private static HttpResponse<String> post(HttpClient http, URI uri, String body, String token) throws Exception {
        // A generous deadline against a loaded CI machine (the hook script allows 5 s per attempt); what
        // the attack tests check is that the request is answered at all while the attack lasts.
        return post(http, uri, body, token, Duration.ofSeconds(4));
    }

    private static HttpResponse<String> post(HttpClient http, URI uri, String body, String token, Duration timeout)
            throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpClient plain() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(4))
                .build();
    }

    private static String phase(int vmid) {
        return "{\"phase\":\"backup-start\",\"vmid\":\"" + vmid + "\",\"node\":\"ruapehu\"}";
    }

    /** A client that sends the start of a request and then one header line every half second. */
    private Socket slowloris(URI uri) throws IOException {
        final Socket s = new Socket("127.0.0.1", uri.getPort());
        attackers.add(s);
        final OutputStream out = s.getOutputStream();
        out.write("POST /vzdump HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final Thread drip = new Thread(() -> {
            try {
                for (int i = 0; attacking.get(); i++) {
                    Thread.sleep(500);
                    out.write(("X-Slow-" + i + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException | InterruptedException closed) {
                // the endpoint hung up on us, as it should
            }
        }, "slowloris");
        drip.setDaemon(true);
        drip.start();
        return s;
    }

    @Test
    void validPostsAreAnsweredWhileTenSlowClientsTrickleHeaders() throws Exception {
        final URI uri = start(loopback().withLimits(new HookConfig.Limits(Duration.ofSeconds(3), 256, 32,
                Duration.ofMinutes(1))));
        final List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            slow.add(slowloris(uri));
        }
        Thread.sleep(600);
        final HttpClient http = plain();
        for (int vmid = 100; vmid < 105; vmid++) {
            assertEquals(202, post(http, uri, phase(vmid), null).statusCode());
        }
        assertEquals(5, sink.values(BackupEvent.class).size());

        // And the slow ones are cut off once their time for a whole request is up.
        for (Socket s : slow) {
            s.setSoTimeout(15_000);
            assertTrue(drainsToEnd(s.getInputStream()), "a slow client was still connected");
        }
        assertEquals(10L, endpoint.rejected().get(HookEndpoint.Rejection.TIMED_OUT));
    }

    /** Reads until the server closes (true) or a read times out (false). */
    private static boolean drainsToEnd(InputStream in) {
        try {
            while (in.read() >= 0) {
                // the server may answer 408 before closing
            }
            return true;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().toLowerCase().contains("reset");
        }
    }

    @Test
    void aFloodOfIdleConnectionsFromOneAddressDoesNotLockOthersOut() throws Exception {
        final URI uri = start(loopback().withLimits(new HookConfig.Limits(Duration.ofSeconds(30), 64, 16,
                Duration.ofMinutes(1))));
        for (int i = 0; i < 200; i++) {
            final Socket s = new Socket("127.0.0.1", uri.getPort());
            attackers.add(s);
            s.getOutputStream().write("POST /vzdump HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        final HttpClient http = plain();
        for (int vmid = 200; vmid < 205; vmid++) {
            assertEquals(202, post(http, uri, phase(vmid), null).statusCode());
        }
        assertEquals(5, sink.values(BackupEvent.class).size());
        assertTrue(endpoint.rejected().get(HookEndpoint.Rejection.CONNECTIONS_FULL) >= 200 - 16,
                endpoint.rejected().toString());
    }

    @Test
    void aNodeTokenReportsForItsOwnNodeOnly() throws Exception {
        final String pve1 = UUID.randomUUID().toString();
        final String pve2 = UUID.randomUUID().toString();
        final String pve3 = UUID.randomUUID().toString();
        final Path tokens = dir.resolve("hook-tokens");
        Files.writeString(tokens, "# node token [addresses]\n"
                + "pve1 " + pve1 + "\n"
                + "pve2 " + pve2 + " 127.0.0.0/8,::1\n"
                + "pve3 " + pve3 + " 192.0.2.7\n");
        final URI uri = start(loopback().withCredentials(HookCredentials.fromFile(tokens)));
        final HttpClient http = plain();

        assertEquals(202, post(http, uri, "{\"phase\":\"job-start\",\"node\":\"pve1\"}", pve1).statusCode());
        assertEquals(202, post(http, uri, "{\"phase\":\"job-start\",\"node\":\"pve2\"}", pve2).statusCode());
        final HttpResponse<String> forged = post(http, uri, "{\"phase\":\"job-start\",\"node\":\"pve2\"}", pve1);
        assertEquals(403, forged.statusCode());
        assertTrue(forged.body().contains("not pve2's"), forged.body());
        final HttpResponse<String> elsewhere = post(http, uri, "{\"phase\":\"job-start\",\"node\":\"pve3\"}", pve3);
        assertEquals(403, elsewhere.statusCode());
        assertTrue(elsewhere.body().contains("not valid from 127.0.0.1"), elsewhere.body());
        assertEquals(401, post(http, uri, "{\"phase\":\"job-start\",\"node\":\"pve1\"}", "nope").statusCode());

        assertEquals(List.of("pve1", "pve2"),
                sink.values(BackupEvent.class).stream().map(BackupEvent::getHost).toList());
        assertEquals(Map.of(HookEndpoint.Rejection.OTHER_NODE, 1L, HookEndpoint.Rejection.OTHER_ADDRESS, 1L,
                HookEndpoint.Rejection.BAD_TOKEN, 1L), endpoint.rejected());
    }

    @Test
    void aMalformedTokenFileNamesTheLineButNotTheToken() throws Exception {
        final String secret = UUID.randomUUID().toString();
        final Path tokens = dir.resolve("hook-tokens");
        Files.writeString(tokens, "pve1 " + secret + "\npve2 " + secret + "\n");
        final IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> HookCredentials.fromFile(tokens));
        assertTrue(twice.getMessage().contains("line 2: the token of pve2 is also another node's"), twice.getMessage());
        Files.writeString(tokens, "pve1 " + secret + " 10.0.0.0/33\n");
        final IllegalArgumentException bits = assertThrows(IllegalArgumentException.class,
                () -> HookCredentials.fromFile(tokens));
        assertTrue(bits.getMessage().contains("line 1: \"10.0.0.0/33\": prefix length out of range"), bits.getMessage());
        assertTrue(!twice.getMessage().contains(secret) && !bits.getMessage().contains(secret));
    }

    @Test
    void servesHttpsFromPemCertificateAndKey() throws Exception {
        final SelfSignedCert cert = SelfSignedCert.create(dir);
        final KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(cert.keystore())) {
            store.load(in, cert.password().toCharArray());
        }
        final Path keyPem = cert.privateKeyPem(dir.resolve("hook.key"));
        final URI uri = start(loopback().withTls(new HookConfig.Tls(cert.certificatePem(), keyPem)));

        final Certificate ca = store.getCertificate("server");
        final KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("hook", ca);
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        final SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        final HttpClient https = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(30)).build();

        // The first handshake in a JVM initialises TLS on both sides: slow on a busy machine, not timed here.
        assertEquals(202, post(https, uri, phase(300), null, Duration.ofSeconds(30)).statusCode());
        // A client that does not know the certificate is refused by its own check.
        assertThrows(IOException.class, () -> post(plain(), uri, phase(301), null));
        assertEquals(1, sink.values(BackupEvent.class).size());
    }
}
