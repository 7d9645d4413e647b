package io.incidentcorrelator.reliability;

import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.testsupport.CleanRun;
import io.incidentcorrelator.testsupport.CorrelatorProcess;
import io.incidentcorrelator.testsupport.PipelineRig;
import io.incidentcorrelator.testsupport.ScenarioCorpus;
import io.incidentcorrelator.testsupport.TestKafka;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4, item 1: {@code correlator run} killed with SIGKILL at random points and restarted
 * each time commits exactly the incidents of an undisturbed run: every revision of every
 * incident once, in order, none missing, none extra.
 *
 * <p>Kills: 2 by default, 6 with {@code -Dstress}; {@code -Dreliability.kills=N} and
 * {@code -Dreliability.seed=S} choose them (the seed decides where each kill falls).
 */
class ExactlyOnceCrashIT {

    private static final String APP = "eos-under-test";

    @TempDir
    Path work;

    @AfterEach
    void killChildren() {
        CorrelatorProcess.killAll();
    }

    @Test
    void killingTheInstanceRepeatedlyNeitherLosesNorDuplicatesIncidents() {
        final int kills = Integer.getInteger("reliability.kills", Boolean.getBoolean("stress") ? 6 : 2);
        final long seed = Long.getLong("reliability.seed", 4_2026L);
        final Random random = new Random(seed);
        final List<ScenarioEvent> events = ScenarioCorpus.all();
        final Path logs = CorrelatorProcess.logDir("ExactlyOnceCrashIT");

        try (TestKafka kafka = TestKafka.start();
             EmbeddedSchemaRegistryServer registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry())) {
            final CleanRun.Result clean = CleanRun.run(kafka.bootstrapServers(), registry.url(), events, 1, Map.of(), work);
            final Map<String, List<String>> expected = clean.revisions();
            assertTrue(expected.size() >= 10, "the clean run should find incidents, found " + expected.size());

            final PipelineRig rig = new PipelineRig(kafka.bootstrapServers(), registry.url(), "eos-", 1);
            rig.createTopics();
            final Instant lastEvent = rig.produce(events);
            final long inputs = rig.inputRecords();
            final String[] args = {"run", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--schema-registry-url", registry.url(), "--application-id", APP,
                    "--state-dir", work.resolve("state").toString(),
                    "--config", rig.writeConfig(work, Map.of()).toString()};

            // Each run is killed at a random point of its work: mostly once it has committed a random
            // share of what is left, sometimes a moment after start-up (joining the group, restoring
            // state). The committed count growing from run to run shows progress survives a kill.
            System.out.printf("seed %d, %d kills; %d input records (an undisturbed run: %d ms)%n",
                    seed, kills, inputs, clean.processing().toMillis());
            for (int k = 0; k < kills; k++) {
                final CorrelatorProcess child = CorrelatorProcess.start("run-" + (k + 1), logs, args);
                final long before = rig.consumedInputRecords(APP);
                final String when;
                if (random.nextInt(5) == 0) {
                    assertTrue(child.awaitLog("REBALANCING", Duration.ofSeconds(60)),
                            child.name() + " did not start:\n" + child.logTail(30));
                    final long delay = random.nextInt(1_500);
                    PipelineRig.sleep(delay);
                    when = delay + " ms after start-up";
                } else {
                    final long target = before + (long) ((inputs - before) * random.nextDouble(0.05, 0.7));
                    rig.awaitConsumed(APP, target, child);
                    when = "at " + target + " input records";
                }
                assertTrue(child.isAlive(), child.name() + " ended by itself:\n" + child.logTail(30));
                child.kill();
                System.out.printf("killed run %d %s: %d of %d input records committed (%d before it)%n",
                        k + 1, when, rig.consumedInputRecords(APP), inputs, before);
            }

            final CorrelatorProcess last = CorrelatorProcess.start("run-final", logs, args);
            rig.awaitCaughtUp(APP, Duration.ofMinutes(3), last::isAlive);
            rig.produceTick(lastEvent);
            rig.awaitCaughtUp(APP, Duration.ofMinutes(1), last::isAlive);
            last.stop();

            final Map<String, List<String>> actual = rig.committedRevisions();
            assertEquals(List.of(), CleanRun.differences(expected, actual),
                    "committed incidents after " + kills + " kills (seed " + seed + ")");
            assertEquals(PipelineRig.newest(expected), PipelineRig.newest(actual));
        }
    }
}
