package io.incidentcorrelator.runtime;

import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.testsupport.CorrelatorProcess;
import io.incidentcorrelator.testsupport.HttpAwait;
import io.incidentcorrelator.testsupport.PipelineRig;
import io.incidentcorrelator.testsupport.RestartableBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/correlator run} (the packaged launcher) against a real broker that is stopped and
 * started again: {@code /health/ready} and {@code incident_correlator_ready} go DOWN, naming the
 * broker, once it has been unreachable longer than
 * {@code incident-correlator.readiness.broker-unreachable-after}, and UP when it is back; the
 * health port and the web view listen on loopback unless told otherwise, and the web API answers
 * GET only.
 */
class ReadinessIT {

    private static final String APP = "readiness-it";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @TempDir
    Path work;

    @AfterEach
    void stopChildren() {
        CorrelatorProcess.killAll();
    }

    @Test
    void readinessFollowsTheBrokerAndThePortsAreLoopbackOnly() throws Exception {
        final int healthPort = RestartableBroker.freePort();
        final int webPort = RestartableBroker.freePort();
        try (RestartableBroker broker = RestartableBroker.start(work.resolve("kafka"));
             EmbeddedSchemaRegistryServer registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry())) {
            final PipelineRig rig = new PipelineRig(broker.bootstrapServers(), registry.url(), "ready-", 1);
            rig.createTopics();
            final Path config = rig.writeConfig(work, Map.of("incident-correlator.readiness.broker-unreachable-after", "4s"));
            final CorrelatorProcess run = CorrelatorProcess.startPackaged("run", CorrelatorProcess.logDir("ReadinessIT"),
                    Map.of(), "run", "--bootstrap-servers", broker.bootstrapServers(),
                    "--schema-registry-url", registry.url(), "--application-id", APP,
                    "--state-dir", work.resolve("state").toString(), "--config", config.toString(),
                    "--health-port", String.valueOf(healthPort), "--port", String.valueOf(webPort));
            final String health = "http://127.0.0.1:" + healthPort;

            final HttpResponse<String> up = await(run, health + "/health/ready", r -> r.statusCode() == 200,
                    Duration.ofSeconds(90));
            assertEquals("{\"status\":\"UP\",\"state\":\"RUNNING\",\"restoring\":[],\"reasons\":[]}", up.body().trim());
            assertEquals(1.0, metric(health, "incident_correlator_ready"));
            assertEquals(0.0, metric(health, "incident_correlator_not_ready{reason=\"broker_unreachable\"}"));

            // Safe defaults: loopback only, and the web API changes nothing.
            final Optional<InetAddress> external = nonLoopbackAddress();
            if (external.isPresent()) {
                assertFalse(connects(external.get(), healthPort), "health port not reachable at " + external.get());
                assertFalse(connects(external.get(), webPort), "web view not reachable at " + external.get());
            }
            final String web = "http://127.0.0.1:" + webPort;
            assertEquals(200, get(web + "/api/incidents").statusCode());
            for (String method : new String[]{"POST", "PUT", "DELETE", "PATCH"}) {
                final HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(web + "/api/incidents"))
                        .method(method, HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(405, refused.statusCode(), method);
                assertEquals("GET, HEAD", refused.headers().firstValue("Allow").orElse(""), method);
            }

            // Measured from the start of the shutdown: the broker stops answering before close() returns.
            final long stopping = System.nanoTime();
            broker.stop();
            final HttpResponse<String> down = await(run, health + "/health/ready",
                    r -> r.statusCode() == 503 && r.body().contains("broker unreachable"), Duration.ofSeconds(45));
            // The silence counts from the broker's last answer; it is asked every 1.3 s with a 4 s allowance.
            final long downAfter = Duration.ofNanos(System.nanoTime() - stopping).toMillis();
            assertTrue(downAfter >= 4000 - 1400, "DOWN only after the allowance of 4 s, was " + downAfter + " ms");
            assertTrue(down.body().contains("\"status\":\"DOWN\"") && down.body().contains("broker unreachable for")
                    && down.body().contains(broker.bootstrapServers()), down.body());
            assertEquals(0.0, metric(health, "incident_correlator_ready"));
            assertEquals(1.0, metric(health, "incident_correlator_not_ready{reason=\"broker_unreachable\"}"));
            assertEquals(200, get(health + "/health/live").statusCode(), "alive: a restart would not bring the broker back");

            broker.startAgain();
            await(run, health + "/health/ready", r -> r.statusCode() == 200, Duration.ofSeconds(90));
            assertEquals(1.0, metric(health, "incident_correlator_ready"));
            assertEquals(0.0, metric(health, "incident_correlator_not_ready{reason=\"broker_unreachable\"}"));
            assertTrue(run.isAlive(), run.logTail(30));
            run.stop();
        }
    }

    private HttpResponse<String> await(CorrelatorProcess run, String url, Predicate<HttpResponse<String>> until,
                                       Duration timeout) {
        return HttpAwait.awaitAnswer(http, URI.create(url), until, timeout, run::isAlive, () -> run.logTail(40));
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private double metric(String base, String series) throws Exception {
        return HttpAwait.metricValue(get(base + "/metrics").body(), series);
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        return NetworkInterface.networkInterfaces().filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                }).flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLinkLocalAddress())
                .findFirst();
    }
}
