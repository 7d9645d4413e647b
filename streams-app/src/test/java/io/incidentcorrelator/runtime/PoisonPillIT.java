package io.incidentcorrelator.runtime;

import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.metrics.CorrelatorMetrics;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.HttpSchemaRegistryClient;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.serde.RegistrySerdeConfig;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.testsupport.IncidentExpectations;
import io.incidentcorrelator.testsupport.PipelineHarness;
import io.incidentcorrelator.testsupport.PoisonPills;
import io.incidentcorrelator.testsupport.PoisonPills.Outcome;
import io.incidentcorrelator.testsupport.PoisonPills.Pill;
import io.incidentcorrelator.testsupport.TestKafka;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topology.internal.DeadLetterProcessor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad records on a real broker with exactly-once: the whole poison-pill corpus on every input
 * topic ends up in the dead-letter topic (or, for the global tables, skipped) with the reason in
 * its headers and counted, and the scenario's expected incidents still come out; records the
 * application cannot read because the schema registry is down are neither dead-lettered nor
 * skipped, and are processed once the registry is back.
 */
class PoisonPillIT {

    private static final String SCENARIO = "backup-window-scheduler";
    private static final Map<String, String> REPLAY_ORDER = Map.of("max.task.idle.ms", "500");

    private static TestKafka kafka;
    private final CorrelatorConfig base = CorrelatorConfig.defaults().withPendingFlushAfter(Duration.ZERO);

    @TempDir
    Path stateDir;

    @BeforeAll
    static void startKafka() {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void everyPoisonPillIsDeadLetteredWithItsReasonAndCountedAndTheScenarioStillComesOut() throws Exception {
        final CorrelatorConfig config = base.withTopics(base.topics().withPrefix("pills-"));
        final TopicNames names = config.topics();
        final SchemaRegistryClient registry = SchemaRegistries.mockScope("poison-pill-it");
        final PipelineHarness harness = new PipelineHarness(kafka.bootstrapServers(), Map.of(), names,
                Pipeline.topics(config, registry));
        harness.createTopics();

        final List<ScenarioEvent> events = PipelineHarness.scenario(SCENARIO);
        final Instant around = events.get(events.size() / 2).eventTime();
        final List<Pill> pills = PoisonPills.corpus(names, registry, around, Instant.now());
        final List<ProducerRecord<String, byte[]>> bad = pills.stream()
                .map(p -> new ProducerRecord<>(p.topic(), p.key(), p.value())).toList();
        harness.tick(harness.produce(events, events.size() / 2, bad), config);

        final long started = System.nanoTime();
        final Instant startedAt = Instant.now();
        try (CorrelatorService service = CorrelatorService.start(new CorrelatorService.Settings(config,
                kafka.bootstrapServers(), registry, "pills-it", stateDir, REPLAY_ORDER, null), t -> { })) {
            harness.awaitConsumed("pills-it", Duration.ofSeconds(120));
            System.out.printf("poison pills: %d bad records among %d events processed in %.1f s%n", pills.size(),
                    events.size(), (System.nanoTime() - started) / 1e9);

            assertEquals(KafkaStreams.State.RUNNING, service.state(), "bad records never stop the application");
            assertEquals(List.of(), IncidentExpectations.problems(IncidentExpectations.expectedFor(SCENARIO),
                    harness.incidentsJson()), "the good records around the bad ones give the expected incidents");

            final List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>(harness.readAll(names.deadLetter()));
            final List<Pill> expected = pills.stream().filter(p -> p.outcome() != Outcome.SKIPPED).toList();
            for (Pill pill : expected) {
                final ConsumerRecord<byte[], byte[]> match = dead.stream().filter(r -> matches(r, pill)).findFirst()
                        .orElseThrow(() -> new AssertionError("no dead letter for " + pill + " among " + describe(dead)));
                dead.remove(match);
                assertTrue(match.timestamp() >= startedAt.toEpochMilli(), pill + ": stamped when rejected, not with "
                        + "its event time (1970 would fall to retention, next year would be refused by the broker)");
                if (pill.outcome() == Outcome.DESERIALIZATION) {
                    assertArrayEquals(pill.value(), match.value(), pill + ": the raw bytes");
                    assertEquals(pill.topic(), header(match, "__streams.errors.topic"), pill.toString());
                    assertNotNull(header(match, "__streams.errors.offset"), pill.toString());
                }
            }
            assertEquals(List.of(), describe(dead), "nothing else is dead-lettered");

            final CorrelatorMetrics m = service.metrics();
            assertEquals(count(pills, Outcome.DESERIALIZATION), m.count(CorrelatorMetrics.DEAD_LETTER, "reason", "deserialization"));
            assertEquals(count(pills, Outcome.VALIDATION), m.count(CorrelatorMetrics.DEAD_LETTER, "reason", "validation"));
            assertEquals(count(pills, Outcome.SKIPPED), m.count(CorrelatorMetrics.SKIPPED, "reason", "deserialization"),
                    "the global tables' bad records are skipped and counted, and the app stays up");
            assertEquals(0, m.count(CorrelatorMetrics.REGISTRY_UNAVAILABLE));
            final String scrape = service.scrape();
            assertTrue(scrape.contains("incident_correlator_dead_letter_records_total{reason=\"validation\",topic=\"pills-pod-restarts\"} 7.0"),
                    scrape);
        } finally {
            SchemaRegistries.dropMockScope("poison-pill-it");
        }
    }

    @Test
    void recordsUnreadableBecauseTheRegistryIsDownAreRetriedNotDeadLettered() throws Exception {
        final CorrelatorConfig config = base.withTopics(base.topics().withPrefix("down-"));
        final TopicNames names = config.topics();
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry("mock://registry-down-it");
        EmbeddedSchemaRegistryServer server = EmbeddedSchemaRegistryServer.start(schemas);
        final int port = server.port();
        // Producers write through the in-memory registry directly, so they keep working while the server is down.
        final PipelineHarness harness = new PipelineHarness(kafka.bootstrapServers(), Map.of(), names,
                Pipeline.topics(config, schemas));
        harness.createTopics();
        final List<ScenarioEvent> events = PipelineHarness.scenario(SCENARIO);
        final List<ScenarioEvent> tables = events.stream()
                .filter(e -> e.topic().id().equals("inventory") || e.topic().id().equals("storage-locations"))
                .toList();
        final List<ScenarioEvent> rest = events.stream().filter(e -> !tables.contains(e)).toList();
        harness.produce(tables, tables.size(), List.of());

        final SchemaRegistryClient viaHttp = new HttpSchemaRegistryClient(server.url(),
                Map.of(RegistrySerdeConfig.CONNECT_TIMEOUT_MS, "500", RegistrySerdeConfig.REQUEST_TIMEOUT_MS, "2000"));
        // A replaced stream thread's consumer does not leave the group (Kafka Streams never does on close), so each
        // retry waits for the session timeout: the broker's minimum here, the default 45 s in production.
        final Map<String, String> settings = Map.of("max.task.idle.ms", "500", "session.timeout.ms", "6000",
                "heartbeat.interval.ms", "1500");
        try (CorrelatorService service = CorrelatorService.start(new CorrelatorService.Settings(config,
                kafka.bootstrapServers(), viaHttp, "down-it", stateDir, settings, null), t -> { })) {
            await("ready: global tables loaded").atMost(Duration.ofSeconds(60)).until(() -> service.ready().ok());

            server.close();
            harness.tick(harness.produce(rest, rest.size(), List.of()), config);
            await("two failed attempts to read with the registry down").atMost(Duration.ofSeconds(90))
                    .until(() -> service.metrics().count(CorrelatorMetrics.REGISTRY_UNAVAILABLE) >= 2);
            assertTrue(service.live().ok(), "still live: the stream thread is replaced, not the process");
            assertTrue(harness.behind("down-it") > 0, "nothing past the unreadable records is committed");
            assertEquals(List.of(), harness.readAll(names.deadLetter()), "no good record is dead-lettered");
            assertEquals("", harness.incidentsJson());
            assertEquals(0, service.metrics().count(CorrelatorMetrics.SKIPPED));

            server = EmbeddedSchemaRegistryServer.start(schemas, port);
            harness.awaitConsumed("down-it", Duration.ofSeconds(120));
            assertEquals(List.of(), IncidentExpectations.problems(IncidentExpectations.expectedFor(SCENARIO),
                    harness.incidentsJson()), "once the registry is back, every record is processed");
            assertEquals(List.of(), harness.readAll(names.deadLetter()));
            assertEquals(0, service.metrics().count(CorrelatorMetrics.DEAD_LETTER));
        } finally {
            server.close();
        }
    }

    private static boolean matches(ConsumerRecord<byte[], byte[]> r, Pill pill) {
        final String reason = header(r, DeadLetterProcessor.HEADER_REASON);
        return pill.topic().equals(header(r, DeadLetterProcessor.HEADER_TOPIC))
                && pill.key().equals(r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8))
                && reason != null && reason.contains(pill.reason());
    }

    private static List<String> describe(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> header(r, DeadLetterProcessor.HEADER_TOPIC) + " "
                + (r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8)) + ": "
                + header(r, DeadLetterProcessor.HEADER_REASON)).toList();
    }

    private static double count(List<Pill> pills, Outcome outcome) {
        return pills.stream().filter(p -> p.outcome() == outcome).count();
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        final Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
