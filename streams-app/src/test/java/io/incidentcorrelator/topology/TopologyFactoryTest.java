package io.incidentcorrelator.topology;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.classify.Events;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import io.incidentcorrelator.topology.internal.DeadLetterProcessor;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import io.incidentcorrelator.replay.ContractJson;
import io.incidentcorrelator.replay.IncidentJsonWriter;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import static io.incidentcorrelator.classify.Events.at;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The topology on the test driver: event time, windows, out-of-order and late data, the
 * dead-letter path, and that every processor, store and topic has an explicit name. In the
 * repartitioned shape here; {@link SinglePartitionTopologyFactoryTest} runs every case again
 * in the single-partition shape.
 */
class TopologyFactoryTest {

    /** The shape under test. */
    TopologyFactory.Shape shape() {
        return TopologyFactory.Shape.REPARTITION_BY_CLUSTER;
    }

    private final CorrelatorConfig config = CorrelatorConfig.defaults().withPendingFlushAfter(Duration.ZERO);
    private final TopicNames names = config.topics();
    private TopologyTestDriver driver;
    private Topics topics;
    private TestInputTopic<String, NodePlacement> inventory;
    private TestInputTopic<String, PodRestart> restarts;
    private TestInputTopic<String, BackupEvent> backups;
    private TestInputTopic<String, MemorySample> memory;
    private TestInputTopic<String, EtcdLatencySample> etcd;
    private TestInputTopic<String, ClockTick> clock;
    private TestOutputTopic<String, Incident> incidents;
    private TestOutputTopic<String, String> deadLetters;

    @org.junit.jupiter.api.io.TempDir
    Path stateDir;

    @BeforeEach
    void start() {
        // Inputs idle at once: events reach the correlation in the order they are piped
        // (topicByTopicInEitherOrder... covers the watermark).
        open("0");
    }

    private void open(String idleAfter) {
        open(idleAfter, Instant.parse("2026-02-26T00:00:00Z"), config.pendingFlushAfter());
    }

    private void open(String idleAfter, Duration pendingFlushAfter) {
        open(idleAfter, Instant.parse("2026-02-26T00:00:00Z"), pendingFlushAfter);
    }

    /** @param wallClock the driver's wall clock at start (after the events: they are history) */
    private void open(String idleAfter, Instant wallClock) {
        open(idleAfter, wallClock, config.pendingFlushAfter());
    }

    private void open(String idleAfter, Instant wallClock, Duration pendingFlushAfter) {
        topics = Pipeline.topics(config, new InMemorySchemaRegistry("mock://topology-test"));
        final Properties props = Pipeline.streamsProperties(config, "dummy:9092", "topology-test",
                stateDir.resolve("idle-" + idleAfter + "-" + System.nanoTime()), Map.of());
        final Topology topology = Pipeline.topology(config.withIdleAfter(Duration.parse(idleAfter.equals("0") ? "PT0S"
                : idleAfter)).withPendingFlushAfter(pendingFlushAfter), topics, props, shape());
        driver = new TopologyTestDriver(topology, props, wallClock);
        final StringSerializer keys = new StringSerializer();
        inventory = driver.createInputTopic(names.inventory(), keys, topics.valueSerde(Topic.INVENTORY).serializer());
        restarts = driver.createInputTopic(names.podRestarts(), keys, topics.valueSerde(Topic.POD_RESTARTS).serializer());
        backups = driver.createInputTopic(names.backupEvents(), keys, topics.valueSerde(Topic.BACKUP_EVENTS).serializer());
        memory = driver.createInputTopic(names.proxmoxMemory(), keys, topics.valueSerde(Topic.PROXMOX_MEMORY).serializer());
        etcd = driver.createInputTopic(names.etcdLatency(), keys, topics.valueSerde(Topic.ETCD_LATENCY).serializer());
        clock = driver.createInputTopic(names.clock(), keys, Pipeline.internalSerdes().forValue(ClockTick.class).serializer());
        incidents = driver.createOutputTopic(names.incidents(), new StringDeserializer(), topics.valueSerde(Topic.INCIDENTS).deserializer());
        deadLetters = driver.createOutputTopic(names.deadLetter(), new StringDeserializer(), new StringDeserializer());

        inventory.pipeInput("prod/talos-cp-01", NodePlacement.newBuilder().setCluster("prod").setNode("talos-cp-01")
                .setHost("ruapehu").setVmid(201).setRole("control-plane").build());
        inventory.pipeInput("monit/talos-monitor", NodePlacement.newBuilder().setCluster("monit").setNode("talos-monitor")
                .setHost("pihanga").setVmid(301).setRole("control-plane").build());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void backup(String host, BackupPhase phase, String hhmm) {
        backups.pipeInput(host + "/backup-nightly", Events.backup(host, phase, hhmm, "pihanga", null));
    }

    private void restart(String cluster, String pod, String node, String hhmm, int count, String message) {
        restarts.pipeInput(cluster + "/kube-system/" + pod + "/c",
                Events.restart(cluster, pod, node, hhmm).setRestartCount(count).setMessage(message).build());
    }

    private void sample(String hhmm) {
        memory.pipeInput("ruapehu", Events.host("ruapehu", hhmm, 0.7, 0.3, 0.02));
        memory.pipeInput("pihanga", Events.host("pihanga", hhmm, 0.7, 0.3, 0.02));
    }

    private void tick(Instant t) {
        clock.pipeInput("clock", new ClockTick(t));
    }

    /** Newest revision per id, tombstones removing ids, as a compacted topic's reader sees it. */
    private Map<String, Incident> newest(List<KeyValue<String, Incident>> records) {
        final Map<String, Incident> out = new HashMap<>();
        for (KeyValue<String, Incident> kv : records) {
            if (kv.value == null) {
                out.remove(kv.key);
            } else {
                out.put(kv.key, kv.value);
            }
        }
        return out;
    }

    @Test
    void anIncidentIsEmittedAsSoonAsItsFirstRestartIsClassifiedThenUpdatedThenResolved() {
        backup("ruapehu", BackupPhase.JOB_START, "02:00");
        sample("02:20");
        restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12", 9, Events.LEADER_LOST_LOCAL);
        assertTrue(incidents.isEmpty(), "evidence stamped the same instant may still come: not classified yet");

        sample("02:24");
        final List<KeyValue<String, Incident>> opened = incidents.readKeyValuesToList();
        assertEquals(1, opened.size(), "emitted as soon as event time passed the restart");
        final Incident open = opened.get(0).value;
        assertEquals("prod.backup-io-contention.20260226T022312Z", open.getId());
        assertEquals(IncidentStatus.OPEN, open.getStatus());
        assertEquals(1, open.getRevision());
        assertEquals(IncidentCategory.BACKUP_IO_CONTENTION, open.getCategory());

        restart("prod", "kube-controller-manager-talos-cp-01", "talos-cp-01", "02:24:03", 8, Events.LEADER_LOST_LOCAL);
        backup("ruapehu", BackupPhase.JOB_END, "02:36");
        final Incident updated = incidents.readKeyValuesToList().get(0).value;
        assertEquals(IncidentStatus.UPDATED, updated.getStatus());
        assertEquals(2, updated.getRevision());
        assertEquals(2, updated.getPods().size());

        sample("02:50");
        assertTrue(incidents.isEmpty(), "the grouping gap has not passed yet");
        tick(at("02:54:03"));
        final Incident resolved = incidents.readKeyValuesToList().get(0).value;
        assertEquals(IncidentStatus.RESOLVED, resolved.getStatus());
        assertEquals(3, resolved.getRevision());
    }

    @Test
    void outOfOrderEvidenceWithinTheGraceGivesTheSameIncidentsAsInOrder() {
        // In order: the backup starts, then the scheduler loses its lease.
        final Map<String, Incident> inOrder = replay(List.of("backup", "restart", "tick"));
        // Out of order: the restart arrives first, the backup's start 3 minutes of event time late.
        final Map<String, Incident> outOfOrder = replay(List.of("restart", "backup", "tick"));

        assertEquals(inOrder.keySet(), outOfOrder.keySet());
        assertEquals(List.of("prod.backup-io-contention.20260226T022312Z"), List.copyOf(inOrder.keySet()));
        final Incident a = inOrder.values().iterator().next();
        final Incident b = outOfOrder.values().iterator().next();
        assertEquals(a.getCategory(), b.getCategory());
        assertEquals(a.getEvidence().toString(), b.getEvidence().toString());
        assertEquals(a.getSummary(), b.getSummary());
        assertEquals(IncidentStatus.RESOLVED, b.getStatus());
    }

    private Map<String, Incident> replay(List<String> order) {
        stop();
        open("0");
        final List<KeyValue<String, Incident>> all = new java.util.ArrayList<>();
        for (String step : order) {
            switch (step) {
                case "backup" -> {
                    backup("ruapehu", BackupPhase.JOB_START, "02:20");
                    sample("02:21");
                }
                case "restart" -> {
                    restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12", 9, Events.LEADER_LOST_LOCAL);
                    sample("02:24");
                }
                default -> tick(at("03:30"));
            }
            all.addAll(incidents.readKeyValuesToList());
        }
        return newest(all);
    }

    @Test
    void aLateBackupReclassifiesTheRestartAndRemovesTheIncidentItReplaced() {
        restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12", 9, Events.LEADER_LOST_LOCAL);
        sample("02:25");
        final List<KeyValue<String, Incident>> first = incidents.readKeyValuesToList();
        assertEquals(IncidentCategory.APP_CRASH, first.get(0).value.getCategory(), "no evidence yet");

        backup("ruapehu", BackupPhase.JOB_START, "02:20"); // 5 minutes late, within the 10 minute grace
        final List<KeyValue<String, Incident>> after = incidents.readKeyValuesToList();
        final Map<String, Incident> current = newest(concat(first, after));
        assertEquals(List.of("prod.backup-io-contention.20260226T022312Z"), List.copyOf(current.keySet()));
        assertTrue(after.stream().anyMatch(kv -> kv.key.equals("prod.app-crash.20260226T022312Z") && kv.value == null),
                "the APP_CRASH incident is retracted with a tombstone");
    }

    @Test
    void topicByTopicInEitherOrderGivesTheIncidentsOfEventTimeOrder() {
        final Map<String, String> inOrder = asJson(newest(topicByTopic(false)));
        assertEquals(List.of("prod.backup-io-contention.20260226T022312Z"), List.copyOf(inOrder.keySet()));
        driver.close();
        open("PT30S");
        assertEquals(inOrder, asJson(newest(topicByTopic(true))), "restarts first, then samples, then backups");
        driver.close();
        open("PT30S");
        assertEquals(inOrder, asJson(newest(topicByTopic(false))), "backups first, then samples, then restarts");
    }

    private static Map<String, String> asJson(Map<String, Incident> incidents) {
        final Map<String, String> out = new java.util.TreeMap<>();
        incidents.forEach((id, incident) -> out.put(id, IncidentJsonWriter.toLine(incident)));
        return out;
    }

    /** Each input topic at once, as collectors catching up after an outage deliver them; then the inputs go idle. */
    private List<KeyValue<String, Incident>> topicByTopic(boolean restartsFirst) {
        final Runnable evidence = () -> {
            sample("02:20");
            sample("02:30");
        };
        final Runnable restart = () -> restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12", 9,
                Events.LEADER_LOST_LOCAL);
        if (restartsFirst) {
            restart.run();
            evidence.run();
            backup("ruapehu", BackupPhase.JOB_START, "02:00");
        } else {
            backup("ruapehu", BackupPhase.JOB_START, "02:00");
            evidence.run();
            restart.run();
        }
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        tick(at("04:00"));
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        assertTrue(deadLetters.isEmpty(), "nothing is late");
        return incidents.readKeyValuesToList();
    }

    /**
     * A backlog with {@code pending-flush-after} on: the restarts of a whole day arrive before the
     * evidence of its night. A restart passed on provisionally with the evidence held up to it
     * (23:00) would move the evidence stores past the 02:00 backup's retention, so the backup,
     * released later, would be dropped and the provisional classification would stay final.
     */
    @Test
    void restartsFarAheadOfTheWatermarkWaitForItInsteadOfBeingPassedOnProvisionally() {
        driver.close();
        open("PT30S", Duration.ofSeconds(2));
        restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12", 9, Events.LEADER_LOST_LOCAL);
        restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "23:00:00", 10, Events.LEADER_LOST_LOCAL);
        backup("ruapehu", BackupPhase.JOB_END, "22:59");
        sample("22:59");
        driver.advanceWallClockTime(Duration.ofSeconds(3));
        backup("ruapehu", BackupPhase.JOB_START, "02:00");
        sample("02:20");
        sample("02:30");
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        tick(at("23:59"));
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        assertTrue(newest(incidents.readKeyValuesToList()).containsKey("prod.backup-io-contention.20260226T022312Z"),
                "the night's restart is classified against the night's backup");
    }

    /**
     * A revision written before the watermark moved at all (a provisional one, at a start) carries
     * its restart's time. Stamped 1970, it rolled the compacted topic's segment at the next
     * revision, and compaction then removed the first revision within seconds of writing it.
     */
    @Test
    void aProvisionalRevisionBeforeAnyWatermarkIsStampedWithItsRestartsTime() {
        driver.close();
        open("PT30S", at("02:23:13"), Duration.ofSeconds(2)); // live
        restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12", 9, Events.LEADER_LOST_LOCAL);
        for (int s = 0; s < 3; s++) {
            driver.advanceWallClockTime(Duration.ofSeconds(1));
        }
        final List<org.apache.kafka.streams.test.TestRecord<String, Incident>> written = incidents.readRecordsToList();
        assertEquals(1, written.size(), written.toString());
        assertEquals(at("02:23:12"), written.get(0).getRecordTime());
    }

    @Test
    void restartsThatStartAfterTheEvidenceWentIdleAreStillClassifiedAgainstItWhileHistoryIsRead() {
        driver.close();
        // A day after the events: what is read is history, as in a catch-up or topics produced one by one.
        open("PT30S", Instant.parse("2026-02-27T00:00:00Z"));
        backup("ruapehu", BackupPhase.JOB_START, "02:00");
        for (int minute = 10; minute <= 23; minute++) { // iowait at 30 % before the restart
            memory.pipeInput("ruapehu", Events.host("ruapehu", "02:" + minute, 0.7, 0.3, 0.3));
        }
        for (int hour = 3; hour <= 8; hour++) {
            sample(String.format(java.util.Locale.ROOT, "%02d:20", hour));
        }
        // Longer than idle-after with no restart at all: the restarts' partition was never heard from.
        driver.advanceWallClockTime(Duration.ofSeconds(61));
        assertTrue(incidents.isEmpty());
        restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12", 9, Events.LEADER_LOST_LOCAL);
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        tick(at("09:00"));
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        // Had the watermark taken the restarts, which had not started, for idle, it would have run to
        // 08:20 on the samples and the restart would have come 6 h late, beyond the horizon: the
        // samples of its time expired, classified without the iowait.
        final Map<String, Incident> newest = newest(incidents.readKeyValuesToList());
        assertEquals(List.of("prod.backup-io-contention.20260226T022312Z"), List.copyOf(newest.keySet()));
        assertTrue(newest.values().iterator().next().getEvidence().toString().contains("host ruapehu iowait"),
                newest.toString());
        assertTrue(deadLetters.isEmpty(), "nothing is late");
    }

    @Test
    void aRestartHoursLateIsClassifiedAgainstItsEvidenceButEvidenceBeyondTheHorizonIsDeadLettered() {
        backup("ruapehu", BackupPhase.JOB_START, "02:00");
        sample("02:20");
        sample("05:30");
        // 3 hours behind event time, beyond the 2 h catch-up horizon: still classified, with the backup.
        restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12", 9, Events.LEADER_LOST_LOCAL);
        tick(at("07:00"));
        assertEquals(List.of("prod.backup-io-contention.20260226T022312Z"),
                List.copyOf(newest(incidents.readKeyValuesToList()).keySet()));
        assertTrue(deadLetters.isEmpty(), "a restart is never dead-lettered for being late");
        sample("04:30"); // 2.5 h behind 07:00
        assertFalse(deadLetters.readRecordsToList().isEmpty(), "evidence beyond the horizon is dead-lettered");
    }

    @Test
    void restartsOfDifferentClustersAreSeparateIncidentsAndBackupsReachTheTargetHost() {
        backup("ruapehu", BackupPhase.JOB_START, "02:00");   // ruapehu → pbs-main on pihanga
        sample("02:10");
        restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:11", 3, Events.LEADER_LOST_LOCAL);
        restart("monit", "kube-scheduler-talos-monitor", "talos-monitor", "02:12", 5, Events.LEADER_LOST_LOCAL);
        tick(at("04:00"));
        final Map<String, Incident> all = newest(incidents.readKeyValuesToList());
        assertEquals(2, all.size());
        assertTrue(all.values().stream().allMatch(i -> i.getCategory() == IncidentCategory.BACKUP_IO_CONTENTION),
                "monit's node is on pihanga, which receives ruapehu's backup: " + all.keySet());
        assertEquals(List.of("monit", "prod"), all.values().stream().map(Incident::getCluster).sorted().toList());
    }

    /**
     * The inventory arrives after the events, placements a second before the storage locations (two
     * topics the global thread reads in no set order): the backup held for its host still reaches the
     * cluster on the host that receives it.
     */
    @Test
    void aBackupHeldForTheInventoryWaitsForItsStoragesLocationTooAndReachesTheTargetHost() {
        final TestInputTopic<String, StorageLocation> storage = driver.createInputTopic(names.storageLocations(),
                new StringSerializer(), topics.valueSerde(Topic.STORAGE_LOCATIONS).serializer());
        backups.pipeInput("taranaki/backup-nightly", Events.backup("taranaki", BackupPhase.JOB_START, "02:00", null, null));
        sample("02:10");
        restart("monit", "kube-scheduler-talos-monitor", "talos-monitor", "02:12", 5, Events.LEADER_LOST_LOCAL);
        inventory.pipeInput("lab/talos-lab-01", NodePlacement.newBuilder().setCluster("lab").setNode("talos-lab-01")
                .setHost("taranaki").setVmid(202).setRole("worker").build());
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        storage.pipeInput("pbs-main", new StorageLocation("pbs-main", "pihanga"));
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        tick(at("04:00"));
        final Map<String, Incident> all = newest(incidents.readKeyValuesToList());
        assertEquals(Map.of("monit", IncidentCategory.BACKUP_IO_CONTENTION), all.values().stream()
                        .collect(Collectors.toMap(Incident::getCluster, Incident::getCategory)),
                "monit's node is on pihanga, which receives taranaki's backup: " + all);
    }

    @Test
    void aHostSampleRoutedToEveryClusterOnTheHostCountsOnceInTheSaturationRun() {
        // ruapehu runs a node of a second cluster: the router sends each of its samples to both.
        inventory.pipeInput("lab/talos-lab-01", NodePlacement.newBuilder().setCluster("lab").setNode("talos-lab-01")
                .setHost("ruapehu").setVmid(202).setRole("worker").build());
        // CPU saturated from 03:00:00 to 03:03:00 but for one sample at 03:01:00: a single low sample
        // does not end the run, two in a row do. Counted twice, the dip would split the 3-minute run
        // into two shorter than the 2 minutes that make it sustained.
        for (int s = 0; s <= 180; s += 10) {
            final Instant t = at("03:00").plusSeconds(s);
            memory.pipeInput("ruapehu", MemorySample.newBuilder(Events.host("ruapehu", "03:00", 0.5, s == 60 ? 0.5 : 0.97, 0.02))
                    .setTime(t).build());
        }
        restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "03:03:05", 4, Events.LEADER_LOST_LOCAL);
        tick(at("04:00"));
        final Map<String, Incident> all = newest(incidents.readKeyValuesToList());
        assertEquals(List.of(IncidentCategory.HOST_CPU_CONTENTION),
                all.values().stream().map(Incident::getCategory).toList(), all.toString());
    }

    @Test
    void everySampleTheClassifierHoldsIsInTheChangelogWhenTheTaskCommits() {
        // The evidence stores keep writes until the task commits (the driver commits after each
        // record); what reaches the changelog must be the whole minute, so a restored task has it.
        final List<MemorySample> minute = new java.util.ArrayList<>();
        for (int s = 0; s < 60; s += 20) {
            final MemorySample sample = MemorySample.newBuilder(Events.host("ruapehu", "03:00", 0.5 + s / 100.0, 0.3, 0.02))
                    .setTime(at("03:00").plusSeconds(s)).build();
            memory.pipeInput("ruapehu", sample);
            minute.add(sample);
        }
        final String changelog = "topology-test-" + StoreNames.HOST_SAMPLES + "-changelog";
        assertTrue(driver.producedTopicNames().contains(changelog), driver.producedTopicNames().toString());
        final var records = driver.createOutputTopic(changelog, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new io.incidentcorrelator.topology.internal.EvidenceBucketSerde<>(MemorySample.class).deserializer())
                .readValuesToList();
        assertEquals(3, records.size(), "one write of the minute per commit");
        assertEquals(minute, records.get(records.size() - 1).samples());
    }

    @Test
    void theTimelineChangelogHoldsTheMinuteAsTextWhenTheTaskCommits() {
        // The timeline store also keeps its buckets decoded until the task commits; its changelog
        // must still hold each minute in the text form earlier versions wrote, the maximum so far.
        for (int s = 0; s < 60; s += 20) {
            memory.pipeInput("ruapehu", MemorySample.newBuilder(Events.host("ruapehu", "03:00", 0.5 + s / 100.0, 0.3, 0.02))
                    .setTime(at("03:00").plusSeconds(s)).build());
        }
        final String changelog = "topology-test-" + StoreNames.TIMELINE + "-changelog";
        final List<String> written = driver.createOutputTopic(changelog,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.StringDeserializer()).readValuesToList();
        assertEquals(3, written.size(), "one write of the minute per commit: " + written);
        final List<TimelinePoint> last = TimelinePoint.decode(written.get(2));
        assertEquals(1, last.size(), last.toString());
        assertEquals(at("03:00").plusSeconds(40).toEpochMilli(), last.get(0).time());
        assertEquals(90.0, last.get(0).value(), 1e-6);
        assertEquals(70.0, TimelinePoint.decode(written.get(1)).get(0).value(), 1e-6,
                "each commit writes the minute's maximum as it then was");
    }

    @Test
    void slowEtcdReachesRestartsOnNodesTheInventoryDoesNotPlace() {
        etcd.pipeInput("edge/metal-01", Events.etcd("edge", "metal-01", "11:00", 45.0, 2));
        restart("edge", "kube-scheduler-metal-01", "metal-01", "11:01", 1, Events.LEADER_LOST_LOCAL);
        // Held for an inventory record until the tick passes it by the catch-up horizon.
        tick(at("13:02"));
        final Map<String, Incident> all = newest(incidents.readKeyValuesToList());
        assertEquals(List.of(IncidentCategory.ETCD_DISK_LATENCY),
                all.values().stream().map(Incident::getCategory).toList());
    }

    @Test
    void invalidRecordsGoToTheDeadLetterTopicWithTheReason() {
        memory.pipeInput("ruapehu", MemorySample.newBuilder(Events.host("ruapehu", "02:00", 0.5, 0.1, 0.0))
                .setMemTotalBytes(-5).build());
        restarts.pipeInput("prod/x", Events.restart("prod", "x", "talos-cp-01", "02:00")
                .setFinishedAt(Instant.parse("1970-01-01T00:00:00Z")).build());
        final List<TestRecord<String, String>> dead = deadLetters.readRecordsToList();
        assertEquals(2, dead.size());
        assertEquals("memTotalBytes must be positive (-5)", header(dead.get(0), DeadLetterProcessor.HEADER_REASON));
        assertEquals(names.proxmoxMemory(), header(dead.get(0), DeadLetterProcessor.HEADER_TOPIC));
        assertTrue(header(dead.get(1), DeadLetterProcessor.HEADER_REASON).startsWith("finishedAt 1970-01-01T00:00:00Z is before 2000"));
        assertTrue(incidents.isEmpty());
    }

    private static String header(TestRecord<String, String> r, String name) {
        final Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void theWebViewsStoresHoldIncidentsByIdAndTheTimelineByClusterAndMinute() {
        backup("ruapehu", BackupPhase.JOB_START, "02:00");
        memory.pipeInput("ruapehu", Events.host("ruapehu", "02:20", 0.70, 0.3, 0.02));
        memory.pipeInput("ruapehu", MemorySample.newBuilder(Events.host("ruapehu", "02:20", 0.90, 0.3, 0.02))
                .setTime(Instant.parse("2026-02-26T02:20:30Z")).build());
        etcd.pipeInput("prod/talos-cp-01", Events.etcd("prod", "talos-cp-01", "02:21", 80.0, 0));
        restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12", 9, Events.LEADER_LOST_LOCAL);
        sample("02:24");

        final Incident incident = newest(incidents.readKeyValuesToList()).values().iterator().next();
        final KeyValueStore<String, Object> view = driver.getKeyValueStore(StoreNames.INCIDENTS_VIEW);
        // Avro's equals cannot compare the logical-type times inside unions: compare the contract JSON.
        assertEquals(ContractJson.toJsonLine(incident),
                ContractJson.toJsonLine((Incident) unwrap(view.get(incident.getId()))));

        final WindowStore<String, TimelineBucket> timeline = driver.getWindowStore(StoreNames.TIMELINE);
        final Instant minute = Instant.parse("2026-02-26T02:20:00Z");
        final List<TimelinePoint> at2220 = points(timeline.fetch("prod", minute.toEpochMilli()));
        // Two samples in one minute: the larger one is kept.
        assertEquals(1, at2220.size(), at2220.toString());
        assertEquals(TimelinePoint.HOST_MEMORY, at2220.get(0).kind());
        assertEquals("ruapehu", at2220.get(0).series());
        assertEquals(Instant.parse("2026-02-26T02:20:30Z").toEpochMilli(), at2220.get(0).time());
        assertEquals(90.0, at2220.get(0).value(), 1e-6);
        assertEquals(TimelinePoint.BACKUP, points(timeline.fetch("prod",
                Instant.parse("2026-02-26T02:00:00Z").toEpochMilli())).get(0).kind());
        assertEquals(80.0, points(timeline.fetch("prod",
                Instant.parse("2026-02-26T02:21:00Z").toEpochMilli())).get(0).value());
        final TimelinePoint restart = points(timeline.fetch("prod",
                Instant.parse("2026-02-26T02:23:00Z").toEpochMilli())).get(0);
        assertEquals(TimelinePoint.RESTART, restart.kind());
        assertEquals("kube-system/kube-scheduler-talos-cp-01", restart.series());
        // The monit cluster has no node on ruapehu: nothing of it there.
        assertTrue(points(timeline.fetch("monit", minute.toEpochMilli())).isEmpty());
    }

    @Test
    void aLateSampleJoinsItsMinuteOfTheTimelineWithoutLosingWhatWasThere() {
        memory.pipeInput("ruapehu", Events.host("ruapehu", "02:20", 0.70, 0.3, 0.02));
        sample("02:22");
        // Back to 02:20, within the grace: that minute was written before and must be read back.
        etcd.pipeInput("prod/talos-cp-01", Events.etcd("prod", "talos-cp-01", "02:20", 80.0, 0));
        memory.pipeInput("ruapehu", Events.host("ruapehu", "02:20", 0.60, 0.3, 0.02));

        final WindowStore<String, TimelineBucket> timeline = driver.getWindowStore(StoreNames.TIMELINE);
        final List<TimelinePoint> at2220 = points(timeline.fetch("prod",
                Instant.parse("2026-02-26T02:20:00Z").toEpochMilli()));
        assertEquals(List.of(TimelinePoint.HOST_MEMORY, TimelinePoint.ETCD),
                at2220.stream().map(TimelinePoint::kind).toList(), at2220.toString());
        assertEquals(70.0, at2220.get(0).value(), 1e-6, "the smaller late sample does not replace the maximum");
        assertEquals(80.0, at2220.get(1).value(), 1e-6);
    }

    /** The points of a timeline bucket as the store holds it (null: none). */
    private static List<TimelinePoint> points(TimelineBucket bucket) {
        return bucket == null ? List.of() : bucket.points();
    }

    private static Object unwrap(Object value) {
        return value instanceof ValueAndTimestamp<?> vt ? vt.value() : value;
    }

    @Test
    void everyProcessorStoreAndInternalTopicIsNamedExplicitly() {
        final Properties props = Pipeline.streamsProperties(config, "dummy:9092", "naming-test", Path.of("unused"), Map.of());
        assertEquals(true, props.get(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG));
        // Building with the setting on throws if anything is left to a generated name.
        final TopologyDescription description = Pipeline.topology(config, topics, props, shape()).describe();
        final String text = description.toString();
        assertFalse(text.matches("(?s).*KSTREAM-[A-Z]+-\\d+.*"), "generated processor names:\n" + text);
        final boolean repartitioned = shape() == TopologyFactory.Shape.REPARTITION_BY_CLUSTER;
        assertEquals(repartitioned, text.contains("events-by-cluster-repartition"), text);
        // Single partition: one sub-topology from the inputs to the incidents; otherwise the repartition splits it.
        assertEquals(repartitioned ? 2 : 1, description.subtopologies().size(), text);
        assertTrue(text.contains("correlate-and-classify"));
        assertTrue(text.contains("align-by-watermark"));
        final List<String> stores = description.subtopologies().stream()
                .flatMap(s -> s.nodes().stream())
                .filter(n -> n instanceof TopologyDescription.Processor)
                .flatMap(n -> ((TopologyDescription.Processor) n).stores().stream())
                .sorted().distinct().collect(Collectors.toList());
        assertEquals(List.of(StoreNames.BACKUP_EVENTS, StoreNames.RESTARTS, StoreNames.ETCD_SAMPLES,
                StoreNames.HOST_SAMPLES, StoreNames.INCIDENTS, StoreNames.INCIDENTS_VIEW, StoreNames.TIMELINE,
                StoreNames.ALIGN_BUFFER, StoreNames.ROUTING_PROGRESS, StoreNames.CORRELATION_CLOCK,
                StoreNames.EVENTS_AWAITING_INVENTORY)
                .stream().sorted().toList(), stores);
        assertFalse(text.contains("incidents-view-repartition"), "the view stays in the classifier's task");
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        final List<T> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
