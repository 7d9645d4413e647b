package io.incidentcorrelator.topology;

import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.classify.Events;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.metrics.CorrelatorMetrics;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.serde.RegistryAvroSerializer;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.serde.SchemaRegistryException;
import io.incidentcorrelator.testsupport.PoisonPills;
import io.incidentcorrelator.testsupport.PoisonPills.Outcome;
import io.incidentcorrelator.testsupport.PoisonPills.Pill;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import io.incidentcorrelator.topology.internal.DeadLetterProcessor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.incidentcorrelator.classify.Events.at;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Poison pills, late records and an unavailable registry on the test driver: what goes to the
 * dead-letter topic with which headers, what is counted, and that good records around bad ones
 * give the same incidents as a clean run.
 */
class DeadLetterTopologyTest {

    private static final Instant NOW = Instant.parse("2026-02-26T12:00:00Z");

    private CorrelatorConfig config = CorrelatorConfig.defaults().withPendingFlushAfter(Duration.ZERO)
            .withIdleAfter(Duration.ZERO);
    private final TopicNames names = config.topics();
    private final FlakyRegistry registry = new FlakyRegistry(new InMemorySchemaRegistry("mock://dead-letter-test"));
    private final CorrelatorMetrics metrics = new CorrelatorMetrics(new SimpleMeterRegistry());
    private TopologyTestDriver driver;
    private Topics topics;

    @TempDir
    Path stateDir;

    private void startWithoutInventory(String name) {
        topics = Pipeline.topics(config, registry);
        // Inputs idle at once: events reach the correlation in the order they are piped.
        final Properties props = Pipeline.streamsProperties(config, "dummy:9092", name, stateDir.resolve(name),
                Map.of());
        props.put(CorrelatorMetrics.CONFIG_KEY, metrics);
        // With exactly-once the driver loses what the deserialization handler sends before a record is processed
        // (dead letters of unreadable records); PoisonPillIT checks them with exactly-once on a real broker.
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        // Wall clock of the driver and of the validation differ; the validation uses the real clock, so keep the
        // scenario in the past relative to both.
        driver = new TopologyTestDriver(Pipeline.topology(config, topics, props,
                TopologyFactory.Shape.REPARTITION_BY_CLUSTER), props, NOW);
    }

    private void start(String name) {
        startWithoutInventory(name);
        pipeInventory();
    }

    private void pipeInventory() {
        pipe(names.inventory(), "prod/talos-cp-01", NodePlacement.newBuilder().setCluster("prod").setNode("talos-cp-01")
                .setHost("ruapehu").setVmid(201).setRole("control-plane").build());
    }

    private void tick(String hhmm) {
        driver.createInputTopic(names.clock(), new StringSerializer(),
                        Pipeline.internalSerdes().forValue(ClockTick.class).serializer())
                .pipeInput("clock", new ClockTick(at(hhmm)));
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    private <T extends SpecificRecord> void pipe(String topic, String key, T value) {
        pipeBytes(topic, key, new RegistryAvroSerializer<T>(registry).serialize(topic, value));
    }

    private void pipeBytes(String topic, String key, byte[] value) {
        driver.createInputTopic(topic, new StringSerializer(), new ByteArraySerializer()).pipeInput(key, value);
    }

    /** Backup, samples, a scheduler restart and a tick: one backup incident, resolved. */
    private Map<String, Incident> scenario(List<Pill> pills) {
        return scenario(pills, () -> { });
    }

    /** @param beforeTick what happens after the events, before the closing tick */
    private Map<String, Incident> scenario(List<Pill> pills, Runnable beforeTick) {
        pipe(names.backupEvents(), "ruapehu/backup-nightly", Events.backup("ruapehu", BackupPhase.JOB_START, "02:00", null, null));
        pipe(names.proxmoxMemory(), "ruapehu", Events.host("ruapehu", "02:20", 0.7, 0.3, 0.02));
        for (Pill pill : pills) {
            pipeBytes(pill.topic(), pill.key(), pill.value());
        }
        pipe(names.podRestarts(), "prod/kube-system/kube-scheduler-talos-cp-01/c",
                Events.restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12").setRestartCount(9)
                        .setMessage(Events.LEADER_LOST_LOCAL).build());
        pipe(names.proxmoxMemory(), "ruapehu", Events.host("ruapehu", "02:24", 0.7, 0.3, 0.02));
        beforeTick.run();
        tick("04:00");
        final Map<String, Incident> newest = new HashMap<>();
        driver.createOutputTopic(names.incidents(), new StringDeserializer(), topics.valueSerde(Topic.INCIDENTS).deserializer())
                .readKeyValuesToList().forEach(kv -> {
                    if (kv.value == null) {
                        newest.remove(kv.key);
                    } else {
                        newest.put(kv.key, kv.value);
                    }
                });
        return newest;
    }

    private TestOutputTopic<byte[], byte[]> deadLetters() {
        return driver.createOutputTopic(names.deadLetter(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Test
    void everyPoisonPillIsDeadLetteredOrSkippedAndCountedAndGoodRecordsGiveTheSameIncidents() {
        start("clean");
        final Map<String, Incident> clean = scenario(List.of());
        assertEquals(List.of("prod.backup-io-contention.20260226T022312Z"), List.copyOf(clean.keySet()));
        assertEquals(IncidentStatus.RESOLVED, clean.values().iterator().next().getStatus());
        assertTrue(deadLetters().isEmpty());
        driver.close();

        start("poisoned");
        final List<Pill> pills = PoisonPills.corpus(names, registry, at("02:21"), Instant.now());
        final Map<String, Incident> poisoned = scenario(pills);

        assertEquals(clean.keySet(), poisoned.keySet(), "good records around the bad ones are still processed");
        assertEquals(clean.values().iterator().next().getSummary(), poisoned.values().iterator().next().getSummary());

        final List<Pill> dead = pills.stream().filter(p -> p.outcome() != Outcome.SKIPPED).toList();
        final List<TestRecord<byte[], byte[]>> records = deadLetters().readRecordsToList();
        assertEquals(dead.size(), records.size(), "one dead letter per pill except the global tables' ones");
        for (int i = 0; i < dead.size(); i++) {
            final Pill pill = dead.get(i);
            final TestRecord<byte[], byte[]> r = records.get(i);
            final String reason = header(r, DeadLetterProcessor.HEADER_REASON);
            assertNotNull(reason, pill.toString());
            assertTrue(reason.contains(pill.reason()), pill + ": " + reason);
            assertEquals(pill.topic(), header(r, DeadLetterProcessor.HEADER_TOPIC), pill.toString());
            assertEquals(pill.key(), new String(r.key(), StandardCharsets.UTF_8), pill.toString());
            if (pill.outcome() == Outcome.DESERIALIZATION) {
                assertArrayEquals(pill.value(), r.value(), pill + ": the raw bytes, to inspect or replay");
                assertEquals(pill.topic(), header(r, "__streams.errors.topic"), pill.toString());
                assertNotNull(header(r, "__streams.errors.exception"), pill.toString());
                assertTrue(header(r, "__streams.errors.message").contains(pill.reason()), pill.toString());
            } else {
                assertTrue(new String(r.value(), StandardCharsets.UTF_8).startsWith("{"), pill + ": the event as JSON");
            }
        }

        assertEquals(count(pills, Outcome.DESERIALIZATION),
                metrics.count(CorrelatorMetrics.DEAD_LETTER, "reason", "deserialization"));
        assertEquals(count(pills, Outcome.VALIDATION), metrics.count(CorrelatorMetrics.DEAD_LETTER, "reason", "validation"));
        // The driver's global task uses LogAndContinueExceptionHandler whatever is configured; PoisonPillIT checks
        // the SKIPPED count of the global tables on a real broker.
        assertEquals(8, metrics.count(CorrelatorMetrics.DEAD_LETTER, "reason", "deserialization", "topic", names.podRestarts()));
        assertTrue(metrics.count(CorrelatorMetrics.INCIDENTS, "category", IncidentCategory.BACKUP_IO_CONTENTION.name(),
                "status", "OPEN") >= 2, "one OPEN per run");
    }

    @Test
    void aRecordLaterThanTheGraceGoesToTheDeadLetterTopicAndIsCounted() {
        start("late");
        pipe(names.proxmoxMemory(), "ruapehu", Events.host("ruapehu", "05:00", 0.7, 0.3, 0.02));
        pipe(names.proxmoxMemory(), "ruapehu", Events.host("ruapehu", "02:40", 0.7, 0.3, 0.02));
        pipe(names.podRestarts(), "prod/kube-system/kube-scheduler-talos-cp-01/c", // never late
                Events.restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:40").build());
        pipe(names.proxmoxMemory(), "ruapehu", Events.host("ruapehu", "03:55", 0.7, 0.3, 0.02)); // within the horizon

        final List<TestRecord<byte[], byte[]>> dead = deadLetters().readRecordsToList();
        assertEquals(1, dead.size());
        assertEquals("late: MemorySample stamped 2026-02-26T02:40:00Z is more than the grace PT2H behind event time "
                + "2026-02-26T05:00:00Z", header(dead.get(0), DeadLetterProcessor.HEADER_REASON));
        assertEquals(1, metrics.count(CorrelatorMetrics.LATE, "topic", names.proxmoxMemory()));
        assertEquals(0, metrics.count(CorrelatorMetrics.LATE, "topic", names.podRestarts()));
        assertEquals(1, metrics.count(CorrelatorMetrics.DEAD_LETTER, "reason", "late"));
    }

    @Test
    void eventsBeforeTheirInventoryAreHeldThenGiveTheIncidentsOfARunWithTheInventoryFirst() {
        start("inventory-first");
        final Map<String, Incident> inventoryFirst = scenario(List.of());
        assertEquals(1, inventoryFirst.size());
        driver.close();

        startWithoutInventory("inventory-last");
        final Map<String, Incident> inventoryLast = scenario(List.of(), () -> {
            assertEquals(4, metrics.count(CorrelatorMetrics.INVENTORY_HOLD, "outcome", "held"));
            assertTrue(driver.createOutputTopic(names.incidents(), new StringDeserializer(),
                    topics.valueSerde(Topic.INCIDENTS).deserializer()).isEmpty(), "nothing correlated before the inventory");
            pipeInventory();
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            assertEquals(0, metrics.count(CorrelatorMetrics.INVENTORY_HOLD, "outcome", "released"),
                    "held until the inventory has been still for 2 s (its storage locations may follow)");
            driver.advanceWallClockTime(Duration.ofSeconds(1));
        });
        assertEquals(inventoryFirst.toString(), inventoryLast.toString());
        assertEquals(4, metrics.count(CorrelatorMetrics.INVENTORY_HOLD, "outcome", "released"));
        assertTrue(deadLetters().isEmpty());
        assertEquals(0, metrics.count(CorrelatorMetrics.NOT_IN_INVENTORY));
    }

    @Test
    void eventsNoInventoryRecordPlacesAreGivenUpAfterTheHorizonCountedByReasonAndDeadLetteredByGap() {
        start("not-in-inventory");
        pipe(names.proxmoxMemory(), "nowhere", Events.host("nowhere", "03:00", 0.7, 0.3, 0.02));
        pipe(names.podRestarts(), "lab/kube-system/p/c", Events.restart("lab", "p", "talos-cp-09", "03:01").build());
        pipe(names.podRestarts(), "prod/kube-system/p/c", Events.restart("prod", "p", "talos-cp-09", "03:02").build());
        assertTrue(deadLetters().isEmpty(), "held, not given up yet");
        assertEquals(0, metrics.count(CorrelatorMetrics.NOT_IN_INVENTORY));

        driver.advanceWallClockTime(config.grace().plusSeconds(1));
        final Map<String, String> reasons = new HashMap<>();
        deadLetters().readRecordsToList().forEach(r -> reasons.put(new String(r.key(), StandardCharsets.UTF_8),
                header(r, DeadLetterProcessor.HEADER_REASON)));
        assertEquals(Map.of(
                "inventory:unknown-host:nowhere", "inventory: host nowhere is not in the inventory; event not "
                        + "correlated (held for the catch-up horizon PT2H)",
                "inventory:unknown-cluster:lab", "inventory: cluster lab is not in the inventory; restart correlated "
                        + "without host evidence (held for the catch-up horizon PT2H)",
                "inventory:unknown-node:prod/talos-cp-09", "inventory: node prod/talos-cp-09 is not in the inventory; "
                        + "restart correlated without host evidence (held for the catch-up horizon PT2H)"), reasons);
        assertEquals(1, metrics.count(CorrelatorMetrics.NOT_IN_INVENTORY, "reason", "unknown-host",
                "topic", names.proxmoxMemory()));
        assertEquals(1, metrics.count(CorrelatorMetrics.NOT_IN_INVENTORY, "reason", "unknown-cluster",
                "topic", names.podRestarts()));
        assertEquals(1, metrics.count(CorrelatorMetrics.NOT_IN_INVENTORY, "reason", "unknown-node"));
        assertEquals(3, metrics.count(CorrelatorMetrics.INVENTORY_HOLD, "outcome", "expired"));
        assertEquals(3, metrics.count(CorrelatorMetrics.DEAD_LETTER, "reason", "inventory"));

        // The gap was given up on: the host's next sample is not held again, nor dead-lettered: counted.
        pipe(names.proxmoxMemory(), "nowhere", Events.host("nowhere", "03:05", 0.7, 0.3, 0.02));
        assertTrue(deadLetters().isEmpty());
        assertEquals(1, metrics.count(CorrelatorMetrics.INVENTORY_HOLD, "outcome", "not-held"));
        assertEquals(2, metrics.count(CorrelatorMetrics.NOT_IN_INVENTORY, "reason", "unknown-host"));

        // The restarts were still correlated.
        tick("06:00");
        final List<String> ids = driver.createOutputTopic(names.incidents(), new StringDeserializer(),
                topics.valueSerde(Topic.INCIDENTS).deserializer()).readKeyValuesToList().stream().map(kv -> kv.key).toList();
        assertTrue(ids.stream().anyMatch(id -> id.startsWith("lab.")), ids.toString());
        assertTrue(ids.stream().anyMatch(id -> id.startsWith("prod.")), ids.toString());
    }

    @Test
    void aHostWithoutKubernetesNodesIsOneDeadLetterPerGiveUpNotOnePerSample() {
        start("one-per-gap");
        for (int minute = 0; minute < 60; minute++) {
            final String at = String.format(java.util.Locale.ROOT, "03:%02d", minute);
            pipe(names.proxmoxMemory(), "pve-d", Events.host("pve-d", at, 0.7, 0.3, 0.02));
            pipe(names.proxmoxMemory(), "pve-d", Events.host("pve-d", at, 0.5, 0.3, 0.02));
        }
        driver.advanceWallClockTime(config.grace().plusSeconds(1));
        final var letters = deadLetters().readRecordsToList();
        assertEquals(1, letters.size(), "one dead letter for the gap, not one per sample");
        assertEquals("inventory:unknown-host:pve-d", new String(letters.get(0).key(), StandardCharsets.UTF_8));
        assertEquals("120", header(letters.get(0), DeadLetterProcessor.HEADER_COUNT));
        assertEquals("inventory: host pve-d is not in the inventory; 120 events stamped 2026-02-26T03:00:00Z to "
                + "2026-02-26T03:59:00Z from " + names.proxmoxMemory() + " not correlated (held for the catch-up "
                + "horizon PT2H)", header(letters.get(0), DeadLetterProcessor.HEADER_REASON));
        // Every sample is still counted.
        assertEquals(120, metrics.count(CorrelatorMetrics.NOT_IN_INVENTORY, "reason", "unknown-host",
                "topic", names.proxmoxMemory()));
        assertEquals(120, metrics.count(CorrelatorMetrics.INVENTORY_HOLD, "outcome", "expired"));
        assertEquals(1, metrics.count(CorrelatorMetrics.DEAD_LETTER, "reason", "inventory"));
    }

    @Test
    void aClockTickPastTheHorizonGivesUpWhatItPassed() {
        start("tick-gives-up");
        pipe(names.proxmoxMemory(), "nowhere", Events.host("nowhere", "03:00", 0.7, 0.3, 0.02));
        tick("04:59");
        assertTrue(deadLetters().isEmpty(), "within the horizon of the tick");
        tick("05:01");
        assertEquals(List.of("inventory:unknown-host:nowhere"), deadLetters().readRecordsToList().stream()
                .map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList());
        assertEquals(1, metrics.count(CorrelatorMetrics.INVENTORY_HOLD, "outcome", "expired"));
    }

    @Test
    void aFullHoldGivesUpTheGapOfItsOldestEventWithEveryEventHeldForIt() {
        config = config.withHoldCapacity(200);
        start("full-hold");
        for (int i = 0; i < config.holdCapacity(); i++) {
            pipe(names.proxmoxMemory(), "nowhere", Events.host("nowhere", "03:00", 0.7, 0.3, 0.02));
        }
        assertTrue(deadLetters().isEmpty(), "a full hold gives up nothing yet");
        pipe(names.proxmoxMemory(), "elsewhere", Events.host("elsewhere", "03:05", 0.7, 0.3, 0.02));
        final var letters = deadLetters().readRecordsToList();
        assertEquals(List.of("inventory:unknown-host:nowhere"), letters.stream()
                .map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList(), "only the oldest event's gap");
        assertEquals("200", header(letters.get(0), DeadLetterProcessor.HEADER_COUNT));
        assertEquals(200, metrics.count(CorrelatorMetrics.INVENTORY_HOLD, "outcome", "overflow"));
        // The other gap's event is still held: placed once the inventory knows its host.
        pipe(names.inventory(), "prod/talos-w-09", NodePlacement.newBuilder().setCluster("prod")
                .setNode("talos-w-09").setHost("elsewhere").setVmid(209).setRole("worker").build());
        driver.advanceWallClockTime(Duration.ofSeconds(3)); // the inventory has been still for 2 s
        pipe(names.proxmoxMemory(), "nowhere", Events.host("nowhere", "03:06", 0.7, 0.3, 0.02));
        assertEquals(1, metrics.count(CorrelatorMetrics.INVENTORY_HOLD, "outcome", "released"));
        assertEquals(1, metrics.count(CorrelatorMetrics.INVENTORY_HOLD, "outcome", "not-held"),
                "the gap given up is not held again");
    }

    @Test
    void aRecordTheRegistryCannotResolveStopsProcessingInsteadOfBeingSkipped() {
        start("registry-down");
        final byte[] restart = new RegistryAvroSerializer<io.incidentcorrelator.avro.PodRestart>(registry)
                .serialize(names.podRestarts(), Events.restart("prod", "p", "talos-cp-01", "02:40").build());
        registry.down = true;
        final StreamsException e = assertThrows(StreamsException.class,
                () -> pipeBytes(names.podRestarts(), "prod/kube-system/p/c", restart));
        assertTrue(io.incidentcorrelator.serde.SchemaRegistryUnavailableException.isCauseOf(e), e.toString());
        assertTrue(deadLetters().isEmpty(), "a good record must not be dead-lettered because the registry is down");
        assertEquals(1, metrics.count(CorrelatorMetrics.REGISTRY_UNAVAILABLE, "topic", names.podRestarts()));
        assertEquals(0, metrics.count(CorrelatorMetrics.DEAD_LETTER));
        assertEquals(0, metrics.count(CorrelatorMetrics.SKIPPED));
    }

    private static double count(List<Pill> pills, Outcome outcome) {
        return pills.stream().filter(p -> p.outcome() == outcome).count();
    }

    private static String header(TestRecord<?, ?> r, String name) {
        final Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The in-memory registry, except that it can be switched off like a registry behind a broken network. */
    static final class FlakyRegistry implements SchemaRegistryClient {
        private final SchemaRegistryClient delegate;
        volatile boolean down;

        FlakyRegistry(SchemaRegistryClient delegate) {
            this.delegate = delegate;
        }

        private void check(String doing) {
            if (down) {
                throw new SchemaRegistryException("Schema registry http://127.0.0.1:1 is unreachable: Connection refused ("
                        + doing + ")", SchemaRegistryException.NONE, SchemaRegistryException.NONE, null, null);
            }
        }

        @Override
        public int register(String subject, Schema schema) {
            check("registering " + subject);
            return delegate.register(subject, schema);
        }

        @Override
        public int lookupId(String subject, Schema schema) {
            check("looking up " + subject);
            return delegate.lookupId(subject, schema);
        }

        @Override
        public Schema schemaById(int id) {
            check("fetching schema id " + id);
            return delegate.schemaById(id);
        }

        @Override
        public boolean isCompatible(String subject, Schema schema) {
            return delegate.isCompatible(subject, schema);
        }

        @Override
        public String url() {
            return delegate.url();
        }
    }
}
