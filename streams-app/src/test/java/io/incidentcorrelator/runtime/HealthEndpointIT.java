package io.incidentcorrelator.runtime;

import io.incidentcorrelator.testsupport.HttpAwait;

import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.testsupport.PipelineHarness;
import io.incidentcorrelator.testsupport.TestKafka;
import io.incidentcorrelator.topics.TopicNames;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code correlator run}'s health port end to end on a real broker: live during start-up, ready
 * once RUNNING, /metrics with Kafka Streams' own metrics and ours after a scenario and a few bad
 * records went through.
 */
class HealthEndpointIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path stateDir;

    @Test
    void liveThenReadyThenMetricsAfterRecords() throws Exception {
        final String scope = "health-it";
        final CorrelatorConfig config = CorrelatorConfig.defaults().withPendingFlushAfter(Duration.ZERO);
        final TopicNames names = config.topics();
        final SchemaRegistryClient registry = SchemaRegistries.mockScope(scope);
        try (TestKafka kafka = TestKafka.start()) {
            final PipelineHarness harness = new PipelineHarness(kafka.bootstrapServers(), Map.of(), names,
                    Pipeline.topics(config, registry));
            harness.createTopics();

            final long started = System.nanoTime();
            try (CorrelatorService service = CorrelatorService.start(new CorrelatorService.Settings(config,
                    kafka.bootstrapServers(), registry, "health-it", stateDir, Map.of("max.task.idle.ms", "500"),
                    new InetSocketAddress("127.0.0.1", 0)), transition -> { })) {
                final String base = "http://127.0.0.1:" + service.healthPort();

                // Readiness over start-up: not ready while rebalancing/restoring, then ready; live throughout.
                final List<Integer> readiness = new ArrayList<>();
                while (readiness.isEmpty() || readiness.get(readiness.size() - 1) != 200) {
                    assertEquals(200, get(base + "/health/live").statusCode(), "live while starting");
                    readiness.add(get(base + "/health/ready").statusCode());
                    assertTrue(System.nanoTime() - started < Duration.ofSeconds(60).toNanos(), "ready within 60 s");
                    Thread.sleep(20);
                }
                assertEquals(503, readiness.get(0), "not ready right after start: " + readiness);
                final HttpResponse<String> ready = get(base + "/health/ready");
                assertEquals("{\"status\":\"UP\",\"state\":\"RUNNING\",\"restoring\":[],\"reasons\":[]}", ready.body().trim());
                assertEquals("application/json", ready.headers().firstValue("Content-Type").orElse(""));

                final Pattern incidentsOpen = Pattern.compile(
                        "incident_correlator_incidents_emitted_total\\{category=\"BACKUP_IO_CONTENTION\",status=\"OPEN\"} (\\S+)");
                assertFalse(incidentsOpen.matcher(get(base + "/metrics").body()).find(), "nothing emitted yet");

                final byte[] garbage = {0x7f, 1, 2, 3, 4, 5};
                final var events = PipelineHarness.scenario("backup-window-scheduler");
                final var last = harness.produce(events, events.size() / 2, List.of(
                        new ProducerRecord<>(names.podRestarts(), "prod/x", garbage),
                        new ProducerRecord<>(names.proxmoxMemory(), "ruapehu", garbage)));
                harness.tick(last, config);
                harness.awaitConsumed("health-it", Duration.ofSeconds(60));

                final HttpResponse<String> metrics = get(base + "/metrics");
                assertEquals(200, metrics.statusCode());
                assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
                final String text = metrics.body();
                final Matcher open = incidentsOpen.matcher(text);
                assertTrue(open.find(), text);
                assertTrue(Double.parseDouble(open.group(1)) >= 1, open.group());
                assertEquals(1.0, HttpAwait.metricValue(text, "incident_correlator_dead_letter_records_total{reason=\"deserialization\",topic=\"pod-restarts\"}"));
                assertEquals(1.0, HttpAwait.metricValue(text, "incident_correlator_dead_letter_records_total{reason=\"deserialization\",topic=\"proxmox-memory\"}"));
                // Every event record once (the inventory's go to the global thread, which is not counted).
                final long streamed = events.stream().filter(e -> !List.of("inventory", "storage-locations")
                        .contains(e.topic().id())).count();
                assertTrue(HttpAwait.metricValue(text, "kafka_streams_process_records_total") >= streamed,
                        "process-total summed over threads: " + HttpAwait.metricValue(text, "kafka_streams_process_records_total")
                                + ", " + streamed + " event records");
                assertTrue(text.contains("kafka_streams_records_lag_max{consumer=\"main\"}"), "consumer lag is exported");
                assertEquals(0.0, HttpAwait.metricValue(text, "kafka_streams_records_lag"), "everything consumed");
                assertEquals(1.0, HttpAwait.metricValue(text, "kafka_streams_alive_stream_threads"));
                assertEquals(1.0, HttpAwait.metricValue(text, "incident_correlator_ready"));
                assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics too");

                assertEquals(404, get(base + "/health/nothing").statusCode());
                assertEquals(404, get(base + "/").statusCode());
                assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode());
            }
        } finally {
            SchemaRegistries.dropMockScope(scope);
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
