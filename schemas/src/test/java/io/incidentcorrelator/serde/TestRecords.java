package io.incidentcorrelator.serde;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Evidence;
import io.incidentcorrelator.avro.EvidenceKind;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.avro.Severity;
import io.incidentcorrelator.avro.StorageLocation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** One realistic instance of every contract record, with optional fields both set and unset. */
final class TestRecords {

    static final Instant T0 = Instant.parse("2025-03-02T01:15:30.123Z");

    private TestRecords() {
    }

    static PodRestart podRestart() {
        return PodRestart.newBuilder()
                .setCluster("prod")
                .setNamespace("payments")
                .setPod("api-7d9f8-abcde")
                .setContainer("api")
                .setNode("k8s-worker-2")
                .setRestartCount(4)
                .setTerminatedReason("Error")
                .setExitCode(137)
                .setFinishedAt(T0)
                .setWaitingReason("CrashLoopBackOff")
                .setMessage("liveness probe failed: context deadline exceeded (Client.Timeout exceeded) — ünïcödé")
                .build();
    }

    static BackupEvent backupEvent() {
        return BackupEvent.newBuilder()
                .setHost("pve1")
                .setPhase(BackupPhase.BACKUP_START)
                .setVmid(101)
                .setJobId("backup-nightly")
                .setUpid("UPID:pve1:0000ABCD:0012EF01:65E2A1B2:vzdump::root@pam:")
                .setStorage("pbs-main")
                .setTargetHost(null)
                .setStatus(null)
                .setTime(T0)
                .build();
    }

    static EtcdLatencySample etcdLatencySample() {
        return EtcdLatencySample.newBuilder()
                .setCluster("prod")
                .setMember("k8s-cp-1")
                .setWalFsyncP99Ms(48.5)
                .setBackendCommitP99Ms(120.25)
                .setSlowApplies(3)
                .setDbSizeBytes(104_857_600L)
                .setDbSizeInUseBytes(null)
                .setLeader(true)
                .setTime(T0)
                .build();
    }

    static MemorySample memorySample() {
        return MemorySample.newBuilder()
                .setHost("pve2")
                .setVmid(203)
                .setVmName("k8s-worker-2")
                .setMemUsedBytes(7_516_192_768L)
                .setMemTotalBytes(8_589_934_592L)
                .setBalloonActualBytes(8_589_934_592L)
                .setBalloonMaxBytes(null)
                .setMemPressureSomeAvg10(12.75)
                .setCpuUsage(0.42)
                .setIoWait(null)
                .setTime(T0)
                .build();
    }

    static NodePlacement nodePlacement() {
        return NodePlacement.newBuilder().setCluster("prod").setNode("k8s-worker-2").setHost("pve2").setVmid(203)
                .setRole("worker").build();
    }

    static StorageLocation storageLocation() {
        return StorageLocation.newBuilder().setStorage("pbs-main").setHost("pve3").build();
    }

    static Incident incident() {
        return Incident.newBuilder()
                .setId("prod/2025-03-02T01:15Z/backup-io")
                .setRevision(2)
                .setStatus(IncidentStatus.UPDATED)
                .setCategory(IncidentCategory.BACKUP_IO_CONTENTION)
                .setTransient$(true)
                .setSeverity(Severity.WARNING)
                .setConfidence(0.87)
                .setCluster("prod")
                .setHosts(List.of("pve1", "pve3"))
                .setPods(List.of(PodSummary.newBuilder().setNamespace("payments").setPod("api-7d9f8-abcde")
                        .setContainer("api").setNode("k8s-worker-2").setRestarts(2).setLastReason("Error")
                        .setLastExitCode(137).build()))
                .setWindowStart(T0.minusSeconds(600))
                .setWindowEnd(T0)
                .setEvidence(List.of(Evidence.newBuilder().setKind(EvidenceKind.BACKUP).setSource("vzdump 101 on pve1")
                        .setObservedValue(null).setThreshold(null).setUnit(null).setTime(T0.minusSeconds(300))
                        .setText("backup of 101 to pbs-main running").build(),
                        Evidence.newBuilder().setKind(EvidenceKind.ETCD_LATENCY).setSource("k8s-cp-1")
                        .setObservedValue(48.5).setThreshold(25.0).setUnit("ms").setTime(null).setText(null).build()))
                .setContributingFactors(List.of(IncidentCategory.ETCD_DISK_LATENCY))
                .setSummary("api restarted twice while pve1 backed up VM 101 to pbs-main on pve3.")
                .setRecommendedActions(List.of("Move the backup window", "Set a bandwidth limit on the backup job"))
                .setClassifierVersion("0.1.0")
                .build();
    }

    /** Topic name to a sample record, in the order of the contract. */
    static Map<String, SpecificRecord> contractSamples() {
        return Map.of(
                "pod-restarts", podRestart(),
                "backup-events", backupEvent(),
                "etcd-latency", etcdLatencySample(),
                "proxmox-memory", memorySample(),
                "inventory", nodePlacement(),
                "storage-locations", storageLocation(),
                "incidents", incident());
    }
}
