package io.incidentcorrelator.classify;

import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.EvidenceKind;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.incidentcorrelator.classify.Events.*;
import static org.junit.jupiter.api.Assertions.*;

class ClassifierTest {

    private final ClassifierConfig config = ClassifierConfig.defaults();
    private final Classifier classifier = new Classifier(config);
    private final Placement cp01 = new Placement("prod", "talos-cp-01", "ruapehu", 201, "control-plane");

    private static List<BackupActivity> nightlyBackupOnRuapehu(String start, String end) {
        return BackupWindows.runs(List.of(
                backup("ruapehu", BackupPhase.JOB_START, start, "pihanga", null),
                backup("ruapehu", BackupPhase.JOB_END, end, "pihanga", null)));
    }

    private static List<MemorySample> calmHost(String host, String... times) {
        final List<MemorySample> out = new ArrayList<>();
        for (String t : times) {
            out.add(Events.host(host, t, 0.70, 0.30, 0.02));
        }
        return out;
    }

    private Classification classify(PodRestart r, Placement p, List<BackupActivity> backups, List<MemorySample> host,
                                    List<MemorySample> guest, List<EtcdLatencySample> etcd) {
        return classifier.classify(new RestartContext(r, p, backups,
                p == null ? HostPressure.NONE : HostPressure.summarize(p.host(), host, guest, config),
                EtcdPressure.summarize(etcd)));
    }

    @Test
    void leaderElectionLostDuringBackupIsTransientBackupContention() {
        final PodRestart r = restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:23:12")
                .setMessage(LEADER_LOST_LOCAL).build();
        final Classification c = classify(r, cp01, nightlyBackupOnRuapehu("02:00", "02:36"),
                calmHost("ruapehu", "02:20", "02:21"), List.of(),
                List.of(etcd("prod", "talos-cp-01", "02:22", 44.2, 0)));

        assertEquals(IncidentCategory.BACKUP_IO_CONTENTION, c.category());
        assertTrue(c.transientIssue());
        assertEquals(List.of(IncidentCategory.ETCD_DISK_LATENCY), c.contributingFactors());
        assertTrue(c.evidence().stream().anyMatch(e -> e.getKind() == EvidenceKind.BACKUP
                && e.getSource().equals("backup-nightly on ruapehu → pbs-main on pihanga")));
        assertTrue(c.evidence().stream().anyMatch(e -> e.getKind() == EvidenceKind.ETCD_LATENCY
                && e.getObservedValue() == 44.2 && e.getSource().equals("etcd member talos-cp-01")));
        assertTrue(c.evidence().stream().anyMatch(e -> e.getKind() == EvidenceKind.LOG_PATTERN
                && e.getText().contains("127.0.0.1:7445") && e.getText().contains("context deadline exceeded")));
        assertTrue(c.notes().contains(Classification.Note.LEADER_ELECTION));
        assertTrue(c.confidence() >= 0.85, "confidence " + c.confidence());
    }

    @Test
    void backupCoolDownCoversThirtyMinutesAfterTheLastEndPhase() {
        final PodRestart within = restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "03:05")
                .setMessage(LEADER_LOST_LOCAL).build();
        final PodRestart after = restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "03:07")
                .setMessage(LEADER_LOST_LOCAL).build();
        final List<BackupActivity> backups = nightlyBackupOnRuapehu("02:00", "02:36");

        final Classification c1 = classify(within, cp01, backups, List.of(), List.of(), List.of());
        assertEquals(IncidentCategory.BACKUP_IO_CONTENTION, c1.category());
        assertTrue(c1.notes().contains(Classification.Note.BACKUP_COOLDOWN));
        assertEquals(IncidentCategory.APP_CRASH, classify(after, cp01, backups, List.of(), List.of(), List.of()).category());
    }

    @Test
    void backupOnTheHostReceivingTheBackupCountsToo() {
        // monit's node lives on pihanga, which receives ruapehu's backup (PBS datastore there).
        final Placement monitor = new Placement("monit", "talos-monitor", "pihanga", 301, "control-plane");
        final PodRestart r = restart("monit", "kube-state-metrics-7d9c6-x2x8q", "talos-monitor", "02:30")
                .setExitCode(2).setMessage("error: unable to sync caches: context deadline exceeded").build();
        final Classification c = classify(r, monitor, nightlyBackupOnRuapehu("02:20", "02:41"), List.of(), List.of(),
                List.of());
        assertEquals(IncidentCategory.BACKUP_IO_CONTENTION, c.category());
    }

    @Test
    void oomKilledWinsOverEverythingElse() {
        final PodRestart r = restart("prod", "loki-0", "talos-cp-01", "02:30")
                .setTerminatedReason("OOMKilled").setExitCode(137).build();
        final Classification c = classify(r, cp01, nightlyBackupOnRuapehu("02:00", "02:36"), List.of(), List.of(),
                List.of());
        assertEquals(IncidentCategory.OOM_KILLED, c.category());
        assertFalse(c.transientIssue());
        assertEquals(List.of(IncidentCategory.BACKUP_IO_CONTENTION), c.contributingFactors());
        assertTrue(c.evidence().stream().anyMatch(e -> e.getKind() == EvidenceKind.EXIT_CODE && e.getObservedValue() == 137));
    }

    @Test
    void exitCode137AloneIsOomKilled() {
        final PodRestart r = restart("prod", "loki-0", "talos-cp-01", "12:00").setTerminatedReason("Error")
                .setExitCode(137).build();
        assertEquals(IncidentCategory.OOM_KILLED, classify(r, cp01, List.of(), List.of(), List.of(), List.of()).category());
    }

    @Test
    void imagePullBackOffIsAnImagePullFailure() {
        final PodRestart r = restart("prod", "jellyfin-6c8d9-qwert", "talos-worker-01", "09:40")
                .setTerminatedReason(null).setExitCode(null).setWaitingReason("ImagePullBackOff")
                .setMessage("Failed to pull image \"jellyfin/jellyfin:10.99.0\": not found").build();
        final Classification c = classify(r, null, List.of(), List.of(), List.of(), List.of());
        assertEquals(IncidentCategory.IMAGE_PULL_FAILURE, c.category());
        assertFalse(c.transientIssue());
    }

    @Test
    void fullHostMemoryWithoutBackupIsHostMemoryPressure() {
        final PodRestart r = restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "14:05")
                .setMessage(LEADER_LOST_LOCAL).build();
        final Classification c = classify(r, cp01, List.of(),
                List.of(Events.host("ruapehu", "14:00", 0.97, 0.4, 0.02), Events.host("ruapehu", "14:04", 0.96, 0.4, 0.02)),
                List.of(), List.of());
        assertEquals(IncidentCategory.HOST_MEMORY_PRESSURE, c.category());
        assertTrue(c.transientIssue());
        assertTrue(c.evidence().stream().anyMatch(e -> e.getKind() == EvidenceKind.MEMORY && e.getObservedValue() == 97.0
                && e.getThreshold() == 95.0));
    }

    @Test
    void reclaimedBalloonIsHostMemoryPressure() {
        final Placement monitor = new Placement("monit", "talos-monitor", "pihanga", 301, "control-plane");
        final PodRestart r = restart("monit", "kube-scheduler-talos-monitor", "talos-monitor", "14:05")
                .setMessage(LEADER_LOST_LOCAL).build();
        final Classification c = classify(r, monitor, List.of(), calmHost("pihanga", "14:00"),
                List.of(guest("pihanga", 301, "14:01", 0.75)), List.of());
        assertEquals(IncidentCategory.HOST_MEMORY_PRESSURE, c.category());
        assertTrue(c.notes().contains(Classification.Note.BALLOON));
        assertTrue(c.evidence().stream().anyMatch(e -> e.getSource().equals("guest 301 (talos-monitor) balloon on pihanga")
                && e.getObservedValue() == 75.0));
    }

    @Test
    void sustainedCpuSaturationIsCpuContentionButASingleSpikeIsNot() {
        final PodRestart r = restart("prod", "kube-apiserver-talos-cp-01", "talos-cp-01", "15:06")
                .setMessage("etcdserver: request timed out").build();
        final List<MemorySample> saturated = List.of(
                Events.host("ruapehu", "15:01", 0.7, 0.95, 0.05), Events.host("ruapehu", "15:02", 0.7, 0.97, 0.05),
                Events.host("ruapehu", "15:03", 0.7, 0.96, 0.05), Events.host("ruapehu", "15:04", 0.7, 0.94, 0.05));
        assertEquals(IncidentCategory.HOST_CPU_CONTENTION,
                classify(r, cp01, List.of(), saturated, List.of(), List.of()).category());

        final List<MemorySample> spike = List.of(
                Events.host("ruapehu", "15:01", 0.7, 0.30, 0.05), Events.host("ruapehu", "15:02", 0.7, 0.99, 0.05),
                Events.host("ruapehu", "15:03", 0.7, 0.30, 0.05));
        assertEquals(IncidentCategory.APP_CRASH, classify(r, cp01, List.of(), spike, List.of(), List.of()).category());
    }

    @Test
    void oneNoisySampleBelowTheThresholdDoesNotBreakSustainedSaturation() {
        final PodRestart r = restart("prod", "kube-apiserver-talos-cp-01", "talos-cp-01", "15:06")
                .setMessage("etcdserver: request timed out").build();
        final List<MemorySample> noisy = List.of(
                Events.host("ruapehu", "15:01", 0.7, 0.95, 0.05), Events.host("ruapehu", "15:02", 0.7, 0.88, 0.05),
                Events.host("ruapehu", "15:03", 0.7, 0.96, 0.05), Events.host("ruapehu", "15:04", 0.7, 0.87, 0.05),
                Events.host("ruapehu", "15:05", 0.7, 0.97, 0.05));
        assertEquals(IncidentCategory.HOST_CPU_CONTENTION,
                classify(r, cp01, List.of(), noisy, List.of(), List.of()).category());

        final List<MemorySample> twoDips = List.of(
                Events.host("ruapehu", "15:01", 0.7, 0.95, 0.05), Events.host("ruapehu", "15:02", 0.7, 0.60, 0.05),
                Events.host("ruapehu", "15:03", 0.7, 0.55, 0.05), Events.host("ruapehu", "15:04", 0.7, 0.96, 0.05));
        assertEquals(IncidentCategory.APP_CRASH,
                classify(r, cp01, List.of(), twoDips, List.of(), List.of()).category(), "two spikes, not saturation");
    }

    @Test
    void sustainedIoWaitIsCpuContention() {
        final PodRestart r = restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "15:06")
                .setMessage(LEADER_LOST_LOCAL).build();
        final List<MemorySample> ioBound = List.of(
                Events.host("ruapehu", "15:02", 0.7, 0.5, 0.30), Events.host("ruapehu", "15:03", 0.7, 0.5, 0.35),
                Events.host("ruapehu", "15:04", 0.7, 0.5, 0.28));
        final Classification c = classify(r, cp01, List.of(), ioBound, List.of(), List.of());
        assertEquals(IncidentCategory.HOST_CPU_CONTENTION, c.category());
        assertTrue(c.notes().contains(Classification.Note.IOWAIT));
    }

    @Test
    void slowEtcdWithoutHostContentionIsEtcdDiskLatencyAndFragmentationIsNoted() {
        final PodRestart r = restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "11:00")
                .setMessage("handlers are not fully synchronized err=\"context canceled\"").build();
        final EtcdLatencySample fragmented = EtcdLatencySample.newBuilder(etcd("prod", "talos01", "10:58", 31.0, 4))
                .setDbSizeBytes(469_000_000L).setDbSizeInUseBytes(71_000_000L).build();
        final Classification c = classify(r, cp01, List.of(), calmHost("ruapehu", "10:58"), List.of(), List.of(fragmented));
        assertEquals(IncidentCategory.ETCD_DISK_LATENCY, c.category());
        assertFalse(c.transientIssue());
        assertTrue(c.notes().contains(Classification.Note.ETCD_FRAGMENTED));
    }

    @Test
    void slowAppliesAloneMakeEtcdSlow() {
        final PodRestart r = restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "11:00")
                .setMessage(LEADER_LOST_LOCAL).build();
        assertEquals(IncidentCategory.ETCD_DISK_LATENCY,
                classify(r, cp01, List.of(), List.of(), List.of(), List.of(etcd("prod", "cp", "10:59", 4.0, 2))).category());
    }

    @Test
    void etcdLatencyAppliesToNodesTheInventoryDoesNotPlace() {
        final PodRestart r = restart("edge", "kube-scheduler-metal-01", "metal-01", "11:00")
                .setMessage(LEADER_LOST_LOCAL).build();
        final Classification c = classify(r, null, List.of(), List.of(), List.of(),
                List.of(etcd("edge", "metal-01", "10:59", 25.0, 0)));
        assertEquals(IncidentCategory.ETCD_DISK_LATENCY, c.category());
        assertTrue(c.notes().contains(Classification.Note.UNPLACED));
    }

    @Test
    void timeoutsToTheClusterServiceAddressWithoutContentionAreApiServerUnreachable() {
        final PodRestart r = restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "16:00")
                .setMessage(LEADER_LOST_REMOTE).build();
        final Classification c = classify(r, cp01, List.of(), calmHost("ruapehu", "15:58"), List.of(),
                List.of(etcd("prod", "talos-cp-01", "15:59", 3.0, 0)));
        assertEquals(IncidentCategory.API_SERVER_UNREACHABLE, c.category());
        assertTrue(c.notes().contains(Classification.Note.ENDPOINT_PREFIX + "10.96.0.1:443"));
    }

    @Test
    void timeoutsToTheClusterAddressDuringABackupAreStillTheBackup() {
        final PodRestart r = restart("prod", "kube-scheduler-talos-cp-01", "talos-cp-01", "02:20")
                .setMessage(LEADER_LOST_REMOTE).build();
        final Classification c = classify(r, cp01, nightlyBackupOnRuapehu("02:00", "02:36"), List.of(), List.of(), List.of());
        assertEquals(IncidentCategory.BACKUP_IO_CONTENTION, c.category());
        assertEquals(List.of(IncidentCategory.API_SERVER_UNREACHABLE), c.contributingFactors());
    }

    @Test
    void aPanicDuringTheBackupIsTheRealCrashHidingAmongTheTransients() {
        final PodRestart r = restart("prod", "kube-state-metrics-7d9c6-x2x8q", "talos-cp-01", "02:20")
                .setExitCode(2).setMessage(PANIC).build();
        final Classification c = classify(r, cp01, nightlyBackupOnRuapehu("02:00", "02:36"), List.of(), List.of(), List.of());
        assertEquals(IncidentCategory.APP_CRASH, c.category());
        assertFalse(c.transientIssue());
        assertEquals(List.of(IncidentCategory.BACKUP_IO_CONTENTION), c.contributingFactors());
        assertTrue(c.evidence().stream().anyMatch(e -> e.getKind() == EvidenceKind.LOG_PATTERN && e.getText().equals(PANIC)));
    }

    @Test
    void noEvidenceAtAllIsAnAppCrash() {
        final PodRestart r = restart("monit", "kube-state-metrics-7d9c6-x2x8q", "talos-monitor", "12:10")
                .setExitCode(2).setMessage(PANIC).build();
        final Placement monitor = new Placement("monit", "talos-monitor", "pihanga", 301, "control-plane");
        final Classification c = classify(r, monitor, List.of(), calmHost("pihanga", "12:05", "12:07", "12:09"),
                List.of(guest("pihanga", 301, "12:08", 1.0)), List.of(etcd("monit", "talos-monitor", "12:09", 4.0, 0)));
        assertEquals(IncidentCategory.APP_CRASH, c.category());
        assertTrue(c.contributingFactors().isEmpty());
    }

    @Test
    void evidenceOutsideTheLookBackWindowIsNotUsedByCallersButPeaksInsideAre() {
        // The processor fetches only [t - lookback, t]; the summarizers take what they are given.
        final HostPressure p = HostPressure.summarize("ruapehu",
                List.of(Events.host("ruapehu", "10:00", 0.99, 0.3, 0.0)), List.of(), config);
        assertTrue(p.memoryFull(config));
        assertEquals(0.99, p.memoryUsed().value(), 1e-9);
    }
}
