package io.incidentcorrelator.reliability;

import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.testsupport.CleanRun;
import io.incidentcorrelator.testsupport.CorrelatorProcess;
import io.incidentcorrelator.testsupport.PipelineRig;
import io.incidentcorrelator.testsupport.ScenarioCorpus;
import io.incidentcorrelator.testsupport.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4, item 2: two {@code correlator run} instances with one application.id share the work
 * (one standby replica each), the correlation of each cluster on the partition its name hashes
 * to; one is killed mid-run and the other takes its tasks over; the committed incidents equal
 * an undisturbed single instance's.
 *
 * <p>The topics have 4 partitions and every event is produced with its natural key, so four
 * routing tasks write into the repartition topic in an order that depends on timing; the
 * correlation releases events by the routing tasks' joint watermark (docs/architecture.md,
 * "Time"), so every committed revision still equals the undisturbed reference's.
 */
class ScaleOutIT {

    private static final String APP = "scale-out-under-test";
    private static final int PARTITIONS = 4;

    @TempDir
    Path work;

    @AfterEach
    void killChildren() {
        CorrelatorProcess.killAll();
    }

    @Test
    void twoInstancesShareTheClustersAndOneTakesOverWhenTheOtherIsKilled() throws Exception {
        final List<ScenarioEvent> events = ScenarioCorpus.all();
        final Path logs = CorrelatorProcess.logDir("ScaleOutIT");
        final Map<String, String> settings = Map.of("kafka.num.standby.replicas", "1");

        try (TestKafka kafka = TestKafka.start();
             EmbeddedSchemaRegistryServer registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry())) {
            final PipelineRig rig = new PipelineRig(kafka.bootstrapServers(), registry.url(), "scale-", PARTITIONS);
            final Map<String, List<String>> expected =
                    CleanRun.run(rig.withPrefix("ref-"), events, settings, work).revisions();

            rig.createTopics();
            final Instant last = rig.produce(events);
            final long inputs = rig.inputRecords();
            final CorrelatorProcess a = start("instance-a", rig, settings, logs);
            final CorrelatorProcess b = start("instance-b", rig, settings, logs);

            // Both are members and both have tasks (active partitions of their own).
            final Map<String, Set<TopicPartition>> shared = awaitAssignment(rig,
                    owners -> owners.size() == 2 && owners.values().stream().noneMatch(Set::isEmpty));
            System.out.println("assignment with two instances: " + shared);
            final String repartition = PipelineRig.repartitionTopic(APP);
            final int prod = partitionOf("prod");
            assertTrue(shared.values().stream().flatMap(Set::stream).anyMatch(tp -> tp.topic().equals(repartition)));

            // Kill the instance correlating cluster prod (the busiest) once work is under way.
            rig.awaitConsumed(APP, inputs / 3, a, b);
            final String prodOwner = shared.entrySet().stream()
                    .filter(e -> e.getValue().contains(new TopicPartition(repartition, prod)))
                    .map(Map.Entry::getKey).findFirst().orElseThrow();
            final CorrelatorProcess victim = prodOwner.startsWith("instance-a") ? a : b;
            final CorrelatorProcess survivor = victim == a ? b : a;
            victim.kill();
            System.out.printf("killed %s (owner of %s-%d) with %d of %d input records committed%n",
                    victim.name(), repartition, prod, rig.consumedInputRecords(APP), inputs);

            // The survivor owns every partition once the dead member's session has expired.
            final Map<String, Set<TopicPartition>> alone = awaitAssignment(rig,
                    owners -> owners.size() == 1 && owners.values().iterator().next().size() == allInputs(rig).size());
            assertTrue(alone.keySet().iterator().next().startsWith(survivor.name()), alone.toString());

            rig.awaitCaughtUp(APP, Duration.ofMinutes(3), survivor::isAlive);
            rig.produceTick(last);
            rig.awaitCaughtUp(APP, Duration.ofMinutes(1), survivor::isAlive);
            survivor.stop();

            assertEquals(List.of(), CleanRun.differences(expected, rig.committedRevisions()),
                    "committed incidents after a failover");
        }
    }

    private CorrelatorProcess start(String name, PipelineRig rig, Map<String, String> settings, Path logs) {
        final Map<String, String> own = new TreeMap<>(settings);
        // Names the instance's clients (and so its group member) after it.
        own.put("kafka.client.id", name);
        return CorrelatorProcess.start(name, logs, "run",
                "--bootstrap-servers", rig.bootstrap(), "--schema-registry-url", rig.registryUrl(),
                "--application-id", APP, "--state-dir", work.resolve(name).toString(),
                "--config", rig.writeConfig(work.resolve(name), own).toString());
    }

    /** The cluster's partition: Kafka's default partitioning of the key, as the repartition step uses. */
    private static int partitionOf(String cluster) {
        return Utils.toPositive(Utils.murmur2(cluster.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    /** Every partition the group consumes: inputs and the repartition topic. */
    private static Set<TopicPartition> allInputs(PipelineRig rig) {
        final Set<TopicPartition> all = new TreeSet<>((x, y) -> x.toString().compareTo(y.toString()));
        for (String topic : rig.names().eventTopics()) {
            for (int p = 0; p < PARTITIONS; p++) {
                all.add(new TopicPartition(topic, p));
            }
        }
        for (int p = 0; p < PARTITIONS; p++) {
            all.add(new TopicPartition(PipelineRig.repartitionTopic(APP), p));
        }
        for (int p = 0; p < PARTITIONS; p++) {
            all.add(new TopicPartition(rig.names().clock(), p));
        }
        return all;
    }

    /** Waits (at most 2 minutes) for a stable group whose member → partitions map passes {@code done}. */
    private static Map<String, Set<TopicPartition>> awaitAssignment(
            PipelineRig rig, Predicate<Map<String, Set<TopicPartition>>> done) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        Map<String, Set<TopicPartition>> owners = Map.of();
        try (Admin admin = rig.admin()) {
            while (System.nanoTime() < deadline) {
                final ConsumerGroupDescription group;
                try {
                    group = admin.describeConsumerGroups(List.of(APP)).describedGroups().get(APP).get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    Thread.sleep(200); // not created yet
                    continue;
                }
                owners = group.members().stream().collect(Collectors.toMap(MemberDescription::clientId,
                        m -> m.assignment().topicPartitions(), (x, y) -> x, TreeMap::new));
                if (group.groupState() == GroupState.STABLE && done.test(owners)) {
                    return owners;
                }
                Thread.sleep(200);
            }
        }
        throw new AssertionError("group " + APP + " did not reach the expected assignment; last seen: " + owners);
    }
}
