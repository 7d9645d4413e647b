package io.incidentcorrelator.classify;

import io.incidentcorrelator.serde.AvroClassTrust;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;

import java.time.Instant;

/** Builders for test events, with the values the homelab's scenarios use. */
public final class Events {

    static {
        // Records are copied with newBuilder(other), which Avro 1.12 allows only for trusted classes.
        AvroClassTrust.trustGeneratedClasses();
    }

    public static final long GIB = 1024L * 1024 * 1024;

    private Events() {
    }

    public static Instant at(String hhmm) {
        return Instant.parse("2026-02-26T" + hhmm + (hhmm.length() == 5 ? ":00Z" : "Z"));
    }

    public static PodRestart.Builder restart(String cluster, String pod, String node, String hhmm) {
        return PodRestart.newBuilder()
                .setCluster(cluster)
                .setNamespace("kube-system")
                .setPod(pod)
                .setContainer(pod.replaceAll("-talos.*|-[a-z0-9]{5}$", ""))
                .setNode(node)
                .setRestartCount(1)
                .setTerminatedReason("Error")
                .setExitCode(1)
                .setWaitingReason("CrashLoopBackOff")
                .setFinishedAt(at(hhmm));
    }

    public static final String LEADER_LOST_LOCAL = "E0226 leaderelection.go:429] Failed to update lock: Put "
            + "\"https://127.0.0.1:7445/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler?timeout=5s\": "
            + "context deadline exceeded\nF0226 server.go:266] \"Leaderelection lost\"";
    public static final String LEADER_LOST_REMOTE = "E0226 leaderelection.go:429] Failed to update lock: Put "
            + "\"https://10.96.0.1:443/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler?timeout=5s\": "
            + "context deadline exceeded\nF0226 server.go:266] \"Leaderelection lost\"";
    public static final String PANIC = "panic: runtime error: invalid memory address or nil pointer dereference";

    public static BackupEvent backup(String host, BackupPhase phase, String hhmm, String target, Integer vmid) {
        return BackupEvent.newBuilder()
                .setHost(host)
                .setPhase(phase)
                .setJobId("backup-nightly")
                .setStorage("pbs-main")
                .setTargetHost(target)
                .setVmid(vmid)
                .setTime(at(hhmm))
                .build();
    }

    public static MemorySample host(String host, String hhmm, double memRatio, double cpu, double ioWait) {
        return MemorySample.newBuilder()
                .setHost(host)
                .setMemTotalBytes(32 * GIB)
                .setMemUsedBytes((long) (32 * GIB * memRatio))
                .setCpuUsage(cpu)
                .setIoWait(ioWait)
                .setTime(at(hhmm))
                .build();
    }

    public static MemorySample guest(String host, int vmid, String hhmm, double balloonRatio) {
        return MemorySample.newBuilder()
                .setHost(host)
                .setVmid(vmid)
                .setVmName("talos-monitor")
                .setMemTotalBytes(24 * GIB)
                .setMemUsedBytes(16 * GIB)
                .setBalloonMaxBytes(24 * GIB)
                .setBalloonActualBytes((long) (24 * GIB * balloonRatio))
                .setTime(at(hhmm))
                .build();
    }

    public static EtcdLatencySample etcd(String cluster, String member, String hhmm, double walP99, int slowApplies) {
        return EtcdLatencySample.newBuilder()
                .setCluster(cluster)
                .setMember(member)
                .setWalFsyncP99Ms(walP99)
                .setBackendCommitP99Ms(walP99 * 1.6)
                .setSlowApplies(slowApplies)
                .setDbSizeBytes(60_000_000L)
                .setDbSizeInUseBytes(57_000_000L)
                .setLeader(true)
                .setTime(at(hhmm))
                .build();
    }
}
