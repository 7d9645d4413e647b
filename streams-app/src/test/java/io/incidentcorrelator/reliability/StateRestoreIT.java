package io.incidentcorrelator.reliability;

import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.topology.StoreNames;
import io.incidentcorrelator.topology.TopologyFactory;
import io.incidentcorrelator.testsupport.CleanRun;
import io.incidentcorrelator.testsupport.CorrelatorProcess;
import io.incidentcorrelator.testsupport.InProcessCorrelator;
import io.incidentcorrelator.testsupport.PipelineRig;
import io.incidentcorrelator.testsupport.ScenarioCorpus;
import io.incidentcorrelator.testsupport.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4, item 5: state comes back from the changelogs when the local state is lost, and
 * {@code correlator reset} is a working path to reprocess history. The reference run uses the
 * default in-memory stores, the wiped-state run RocksDB (the kind whose local files matter):
 * the store kind must not change the output either.
 */
class StateRestoreIT {

    /** Persistent stores: with the default in-memory stores every restart restores anyway. */
    private static final Map<String, String> ROCKSDB = Map.of("incident-correlator.state.store-type", "rocksdb");

    private static TestKafka kafka;
    private static EmbeddedSchemaRegistryServer registry;
    private static List<ScenarioEvent> events;
    private static Map<String, List<String>> clean;

    @TempDir
    static Path shared;

    @TempDir
    Path work;

    @BeforeAll
    static void cleanRun() {
        kafka = TestKafka.start();
        registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry());
        events = ScenarioCorpus.read(ScenarioCorpus.BUNDLED);
        clean = CleanRun.revisions(kafka.bootstrapServers(), registry.url(), events, 1, Map.of(), shared);
        assertTrue(clean.size() >= 5, "the clean run should find incidents, found " + clean.size());
    }

    @AfterAll
    static void stopBroker() {
        registry.close();
        kafka.close();
    }

    @AfterEach
    void killChildren() {
        CorrelatorProcess.killAll();
    }

    @Test
    void aWipedStateDirIsRestoredFromTheChangelogsAndNoRevisionChanges() throws IOException {
        final String app = "restore-under-test";
        final PipelineRig rig = new PipelineRig(kafka.bootstrapServers(), registry.url(), "restore-", 1);
        rig.createTopics();
        final Path state = work.resolve("state");
        final String[] args = runArgs(rig, app, state, ROCKSDB);
        final Path logs = CorrelatorProcess.logDir("StateRestoreIT");

        // The first half of the events, then a clean stop: the stores hold open incidents, restarts
        // and the evidence of the last hours. Nothing after the cut is older than anything before it.
        final int half = events.size() / 2;
        rig.produce(events.subList(0, half));
        final CorrelatorProcess first = CorrelatorProcess.start("restore-1", logs, args);
        rig.awaitCaughtUp(app, Duration.ofMinutes(3), first::isAlive);
        first.stop();
        assertTrue(sizeOf(state.resolve(app)) > 0, "RocksDB files under " + state.resolve(app));

        deleteRecursively(state);

        // The rest on a host with no local state: what the first half left must come from the changelogs.
        final Instant last = rig.produce(events.subList(half, events.size()));
        final CorrelatorProcess second = CorrelatorProcess.start("restore-2", logs, args);
        rig.awaitCaughtUp(app, Duration.ofMinutes(3), second::isAlive);
        rig.produceTick(last);
        rig.awaitCaughtUp(app, Duration.ofMinutes(1), second::isAlive);
        second.stop();

        assertEquals(List.of(), CleanRun.differences(clean, rig.committedRevisions()),
                "revisions after a restart with a wiped state dir");
    }

    /**
     * An application that ran with the repartition topic (as every version before the
     * single-partition shape did) and restarts on one-partition topics leaves the repartition out:
     * the classifier's stores move to another task and come back from the same changelogs.
     */
    @Test
    void aTopologyThatDropsTheRepartitionBetweenRunsKeepsItsStateAndNoRevisionChanges() throws IOException {
        final String app = "reshape-under-test";
        final PipelineRig rig = new PipelineRig(kafka.bootstrapServers(), registry.url(), "reshape-", 1);
        rig.createTopics();
        final Path config = rig.writeConfig(work, Map.of());
        final int half = events.size() / 2;
        rig.produce(events.subList(0, half));
        try (InProcessCorrelator first = InProcessCorrelator.start(config, kafka.bootstrapServers(), registry.url(),
                app, work.resolve("state-1"), TopologyFactory.Shape.REPARTITION_BY_CLUSTER)) {
            rig.awaitCaughtUp(app, Duration.ofMinutes(3), first::isAlive);
        }
        assertTrue(rig.existingTopics().contains(PipelineRig.repartitionTopic(app)));

        final Instant last = rig.produce(events.subList(half, events.size()));
        try (InProcessCorrelator second = InProcessCorrelator.start(config, kafka.bootstrapServers(), registry.url(),
                app, work.resolve("state-2"))) {
            assertEquals(TopologyFactory.Shape.SINGLE_PARTITION, second.shape(),
                    "one partition everywhere and the repartition topic drained");
            rig.awaitCaughtUp(app, Duration.ofMinutes(3), second::isAlive);
            rig.produceTick(last);
            rig.awaitCaughtUp(app, Duration.ofMinutes(1), second::isAlive);
        }
        assertEquals(List.of(), CleanRun.differences(clean, rig.committedRevisions()),
                "revisions after a run with the repartition topic and one without");
    }

    @Test
    void resetRefusesWhileRunningAndThenReprocessesHistoryToTheSameRevisions() throws Exception {
        final String app = "reset-under-test";
        final PipelineRig rig = new PipelineRig(kafka.bootstrapServers(), registry.url(), "reset-", 1);
        rig.createTopics();
        final Path state = work.resolve("state");
        final String[] args = runArgs(rig, app, state, Map.of());
        final Path config = rig.writeConfig(work, Map.of());
        final Path logs = CorrelatorProcess.logDir("StateRestoreIT");
        final String[] reset = {"reset", "--bootstrap-servers", kafka.bootstrapServers(), "--config", config.toString(),
                "--application-id", app, "--state-dir", state.toString()};

        final Instant last = rig.produce(events);
        final CorrelatorProcess run = CorrelatorProcess.start("reset-run-1", logs, args);
        rig.awaitCaughtUp(app, Duration.ofMinutes(3), run::isAlive);
        rig.produceTick(last);
        rig.awaitCaughtUp(app, Duration.ofMinutes(1), run::isAlive);
        final Set<String> internal = internalTopics(rig, app);
        final String changelog = app + "-" + StoreNames.HOST_SAMPLES + "-changelog";
        assertTrue(internal.contains(changelog), "internal topics: " + internal);

        // While an instance runs, nothing is touched.
        final CorrelatorProcess refused = CorrelatorProcess.start("reset-while-running", logs, reset);
        assertNotEquals(0, refused.await(60), "reset while running:\n" + refused.logTail(20));
        assertTrue(refused.logTail(20).contains("is still running"), refused.logTail(20));
        run.stop();
        // Streams does not leave the group on close: the member goes when its session times out.
        awaitNoMembers(rig, app);
        assertEquals(internal, internalTopics(rig, app));
        assertTrue(Files.isDirectory(state.resolve(app)));

        // A dry run says what it would do and does nothing.
        final String[] dryRun = Stream.concat(Stream.of(reset), Stream.of("--dry-run")).toArray(String[]::new);
        final CorrelatorProcess dry = CorrelatorProcess.start("reset-dry-run", logs, dryRun);
        assertEquals(0, dry.await(60), dry.logTail(30));
        final String dryLog = Files.readString(dry.log());
        assertTrue(dryLog.contains(changelog), dryLog);
        assertTrue(dryLog.contains("Would delete local state"), dryLog);
        assertEquals(internal, internalTopics(rig, app));
        assertTrue(Files.isDirectory(state.resolve(app)));
        assertTrue(committedInputOffsets(rig, app).values().stream().allMatch(o -> o > 0));

        // The reset: offsets back to the start, internal topics and local state gone.
        final CorrelatorProcess done = CorrelatorProcess.start("reset", logs, reset);
        assertEquals(0, done.await(60), done.logTail(30));
        assertFalse(Files.exists(state.resolve(app)), "local state deleted");
        assertEquals(Set.of(), internalTopics(rig, app));
        assertTrue(committedInputOffsets(rig, app).values().stream().allMatch(o -> o == 0),
                "input offsets after reset: " + committedInputOffsets(rig, app));

        // Reprocessing: every incident gets its revisions again, the same ones, after the first run's.
        final CorrelatorProcess rerun = CorrelatorProcess.start("reset-run-2", logs, args);
        rig.awaitCaughtUp(app, Duration.ofMinutes(3), rerun::isAlive);
        rerun.stop();
        final Map<String, List<String>> twice = new TreeMap<>();
        clean.forEach((id, revisions) -> {
            final List<String> both = new ArrayList<>(revisions);
            both.addAll(revisions);
            twice.put(id, both);
        });
        assertEquals(List.of(), CleanRun.differences(twice, rig.committedRevisions()),
                "revisions after a run, a reset and a rerun");
    }

    private String[] runArgs(PipelineRig rig, String app, Path state, Map<String, String> settings) {
        return new String[]{"run", "--bootstrap-servers", kafka.bootstrapServers(),
                "--schema-registry-url", registry.url(), "--application-id", app,
                "--state-dir", state.toString(), "--config", rig.writeConfig(work, settings).toString()};
    }

    private static void awaitNoMembers(PipelineRig rig, String app) {
        try (Admin admin = rig.admin()) {
            await("the members of " + app + " gone").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> admin.describeConsumerGroups(List.of(app)).describedGroups().get(app)
                            .get(30, TimeUnit.SECONDS).members().isEmpty());
        }
    }

    private static Set<String> internalTopics(PipelineRig rig, String app) {
        return rig.existingTopics().stream().filter(t -> t.startsWith(app + "-")).collect(Collectors.toSet());
    }

    private static Map<TopicPartition, Long> committedInputOffsets(PipelineRig rig, String app) throws Exception {
        try (Admin admin = rig.admin()) {
            final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(app)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            final Map<TopicPartition, Long> inputs = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
            committed.forEach((tp, o) -> {
                if (rig.names().eventTopics().contains(tp.topic()) && o != null) {
                    inputs.put(tp, o.offset());
                }
            });
            assertFalse(inputs.isEmpty(), "committed input offsets of " + app + ": " + committed);
            return inputs;
        }
    }

    private static long sizeOf(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertFalse(Files.exists(dir));
    }
}
