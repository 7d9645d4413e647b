package io.incidentcorrelator.bench;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.topics.Topic;
import org.apache.avro.specific.SpecificRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A deterministic month (or any number of days) of a small Proxmox homelab, streamed in
 * event-time order to a {@link Sink} so that millions of records never sit in memory.
 *
 * <p>Four Proxmox hosts run eighteen guests; three Kubernetes clusters have their nodes on
 * them (one host runs no Kubernetes node, so its samples route nowhere, as in real labs).
 * Hosts and guests are sampled every 10 s, etcd members every 15 s. Every night each host
 * backs up its guests one after the other to {@code pbs-main} on {@code pve-c}, the hosts
 * staggered 45 minutes apart. On some nights a backup drives iowait and etcd fsync latency up
 * and control-plane pods restart in a burst; real crashes and OOM kills happen in daytime
 * outside any window; every few days a host runs short of memory for a while and pods on it
 * restart. The same seed always gives the same records.
 */
public final class SyntheticHomelab {

    /** The contract topics the generator writes to. */

    /** Receives the records in event-time order (inventory and storage locations first). */
    @FunctionalInterface
    public interface Sink {
        void accept(Topic<?> topic, String key, SpecificRecord value, long timestampMs);
    }

    /** First instant of the history: fixed, so that runs compare, and in the past. */
    public static final Instant START = Instant.parse("2026-01-05T00:00:00Z");
    static final long SAMPLE_EVERY_MS = 10_000;
    static final long ETCD_EVERY_MS = 15_000;
    private static final long TICK_MS = 5_000;
    private static final long GIB = 1L << 30;
    public static final String STORAGE = "pbs-main";
    public static final String STORAGE_HOST = "pve-c";
    private static final String JOB = "backup-nightly";

    /** A guest on a host; {@code cluster}/{@code node} are null for guests that are not Kubernetes nodes. */
    record Guest(String host, int vmid, String name, long memTotal, String cluster, String node, String role) {
        boolean isNode() {
            return cluster != null;
        }
    }

    static final List<String> HOSTS = List.of("pve-a", "pve-b", "pve-c", "pve-d");
    static final List<Guest> GUESTS = List.of(
            new Guest("pve-a", 101, "prod-cp-1", 8 * GIB, "prod", "prod-cp-1", "control-plane"),
            new Guest("pve-a", 111, "prod-worker-1", 16 * GIB, "prod", "prod-worker-1", "worker"),
            new Guest("pve-a", 201, "lab-cp-1", 4 * GIB, "lab", "lab-cp-1", "control-plane"),
            new Guest("pve-a", 150, "nas", 4 * GIB, null, null, null),
            new Guest("pve-a", 151, "pihole", GIB, null, null, null),
            new Guest("pve-b", 102, "prod-cp-2", 8 * GIB, "prod", "prod-cp-2", "control-plane"),
            new Guest("pve-b", 112, "prod-worker-2", 16 * GIB, "prod", "prod-worker-2", "worker"),
            new Guest("pve-b", 211, "lab-worker-1", 8 * GIB, "lab", "lab-worker-1", "worker"),
            new Guest("pve-b", 160, "homeassistant", 4 * GIB, null, null, null),
            new Guest("pve-b", 161, "unifi", 2 * GIB, null, null, null),
            new Guest("pve-c", 103, "prod-cp-3", 8 * GIB, "prod", "prod-cp-3", "control-plane"),
            new Guest("pve-c", 113, "prod-worker-3", 16 * GIB, "prod", "prod-worker-3", "worker"),
            new Guest("pve-c", 301, "monit-cp", 16 * GIB, "monit", "monit-cp", "control-plane"),
            new Guest("pve-c", 212, "lab-worker-2", 8 * GIB, "lab", "lab-worker-2", "worker"),
            new Guest("pve-c", 170, "pbs", 8 * GIB, null, null, null),
            new Guest("pve-d", 180, "windows", 16 * GIB, null, null, null),
            new Guest("pve-d", 181, "jellyfin-lxc", 4 * GIB, null, null, null),
            new Guest("pve-d", 182, "minecraft", 8 * GIB, null, null, null));

    private final long seed;
    private final Instant start;

    public SyntheticHomelab(long seed) {
        this(seed, START);
    }

    /**
     * A homelab whose history begins at {@code start}, rounded down to the sampling grid (30 s): e.g. a month ending
     * now, to fill a box.
     */
    public SyntheticHomelab(long seed, Instant start) {
        this.seed = seed;
        final long grid = 30_000;
        this.start = Instant.ofEpochMilli(Math.floorDiv(start.toEpochMilli(), grid) * grid);
    }

    /** Records {@link #generate} writes for {@code days} days, without generating them. */
    public static long expectedRecords(int days) {
        final long samplesPerDay = (HOSTS.size() + GUESTS.size()) * (86_400_000L / SAMPLE_EVERY_MS);
        final long etcdPerDay = etcdMembers().size() * (86_400_000L / ETCD_EVERY_MS);
        return days * (samplesPerDay + etcdPerDay); // plus backups and restarts, a few hundred a day
    }

    public static List<NodePlacement> inventory() {
        return GUESTS.stream().filter(Guest::isNode)
                .map(g -> new NodePlacement(g.cluster(), g.node(), g.host(), g.vmid(), g.role())).toList();
    }

    static List<Guest> etcdMembers() {
        return GUESTS.stream().filter(g -> "control-plane".equals(g.role())).toList();
    }

    /** Writes the inventory, the storage location, then {@code days} days of events in event-time order. */
    public void generate(int days, Sink sink) {
        generate(Duration.ofDays(days), sink);
    }

    /** As {@link #generate(int, Sink)}, for {@code span} from the start (the last day cut short where it ends). */
    public void generate(Duration span, Sink sink) {
        writeTables(sink, start);
        final SplittableRandom noise = new SplittableRandom(seed);
        final State state = new State();
        final long end = start.plus(span).toEpochMilli();
        for (int day = 0; start.plus(Duration.ofDays(day)).toEpochMilli() < end; day++) {
            final long dayStart = start.plus(Duration.ofDays(day)).toEpochMilli();
            // Each day's plan is drawn from its own stream so that --days 7 is a prefix of --days 30.
            final DayPlan plan = plan(day, dayStart, new SplittableRandom(seed * 1_000_003L + day));
            int next = 0;
            for (long t = dayStart; t < Math.min(dayStart + 86_400_000L, end); t += TICK_MS) {
                if (t % SAMPLE_EVERY_MS == 0) {
                    for (String host : HOSTS) {
                        final MemorySample s = hostSample(host, t, plan, noise);
                        sink.accept(Topic.PROXMOX_MEMORY, host, s, t);
                    }
                    for (Guest g : GUESTS) {
                        sink.accept(Topic.PROXMOX_MEMORY, g.host() + "/" + g.vmid(), guestSample(g, t, plan, noise), t);
                    }
                }
                if (t % ETCD_EVERY_MS == 0) {
                    for (Guest m : etcdMembers()) {
                        sink.accept(Topic.ETCD_LATENCY, m.cluster() + "/" + m.node(), etcdSample(m, t, plan, noise), t);
                    }
                }
                while (next < plan.events.size() && plan.events.get(next).time < t + TICK_MS) {
                    final Planned p = plan.events.get(next++);
                    if (p.value instanceof PodRestart r) {
                        final String container = r.getCluster() + "/" + r.getNamespace() + "/" + r.getPod() + "/"
                                + r.getContainer();
                        r.setRestartCount(state.restartCounts.merge(container, 1, Integer::sum));
                    }
                    sink.accept(p.topic, p.key, p.value, p.time);
                }
            }
        }
    }

    /** The inventory and storage locations, for a live run that needs only the tables. */
    public static void writeTables(Sink sink) {
        writeTables(sink, START);
    }

    private static void writeTables(Sink sink, Instant at) {
        for (NodePlacement p : inventory()) {
            sink.accept(Topic.INVENTORY, p.getCluster() + "/" + p.getNode(), p, at.toEpochMilli());
        }
        sink.accept(Topic.STORAGE_LOCATIONS, STORAGE, new StorageLocation(STORAGE, STORAGE_HOST), at.toEpochMilli());
    }

    // --- the day's plan -------------------------------------------------------------------

    private static final class State {
        final Map<String, Integer> restartCounts = new HashMap<>();
    }

    private record Planned(long time, Topic<?> topic, String key, SpecificRecord value) {
    }

    /** Intervals [from, to) of one day during which a host or an etcd member is under some pressure. */
    private record Span(long from, long to, String subject) {
        boolean covers(String s, long t) {
            return subject.equals(s) && t >= from && t < to;
        }
    }

    private static final class DayPlan {
        final List<Planned> events = new ArrayList<>();
        /** Host being backed up, or receiving the backup: iowait up. */
        final List<Span> backupIo = new ArrayList<>();
        /** Nights where the backup really hurts: iowait and etcd fsync much higher. */
        final List<Span> contention = new ArrayList<>();
        /** Host memory pressure episodes. */
        final List<Span> memoryPressure = new ArrayList<>();

        boolean any(List<Span> spans, String subject, long t) {
            for (Span s : spans) {
                if (s.covers(subject, t)) {
                    return true;
                }
            }
            return false;
        }
    }

    private DayPlan plan(int day, long dayStart, SplittableRandom r) {
        final DayPlan plan = new DayPlan();
        final boolean badNight = r.nextInt(3) == 0;
        final String badHost = HOSTS.get(r.nextInt(3)); // pve-d runs no Kubernetes node
        for (int h = 0; h < HOSTS.size(); h++) {
            final String host = HOSTS.get(h);
            long t = dayStart + Duration.ofHours(1).toMillis() + h * Duration.ofMinutes(45).toMillis()
                    + r.nextInt(60) * 1000L;
            final long jobStart = t;
            // Half the jobs name their target host, the others leave it to the storage location.
            final String target = h % 2 == 0 ? STORAGE_HOST : null;
            final String key = host + "/" + JOB;
            plan.events.add(new Planned(t, Topic.BACKUP_EVENTS, key, backup(host, BackupPhase.JOB_START, null, target, null, t)));
            for (Guest g : GUESTS) {
                if (!g.host().equals(host)) {
                    continue;
                }
                plan.events.add(new Planned(t, Topic.BACKUP_EVENTS, key,
                        backup(host, BackupPhase.BACKUP_START, g.vmid(), target, null, t)));
                t += Duration.ofMinutes(6 + r.nextInt(10)).toMillis() + r.nextInt(60) * 1000L;
                plan.events.add(new Planned(t, Topic.BACKUP_EVENTS, key,
                        backup(host, BackupPhase.BACKUP_END, g.vmid(), target, "ok", t)));
                t += 30_000;
            }
            plan.events.add(new Planned(t, Topic.BACKUP_EVENTS, key, backup(host, BackupPhase.JOB_END, null, target, "ok", t)));
            plan.backupIo.add(new Span(jobStart, t, host));
            plan.backupIo.add(new Span(jobStart, t, STORAGE_HOST));
            if (badNight && host.equals(badHost)) {
                plan.contention.add(new Span(jobStart, t, host));
                // Control-plane pods on the host restart a few times while it lasts.
                for (Guest g : GUESTS) {
                    if (g.host().equals(host) && "control-plane".equals(g.role())) {
                        plan.contention.add(new Span(jobStart, t, g.node()));
                        final int restarts = 1 + r.nextInt(3);
                        for (int i = 0; i < restarts; i++) {
                            final long at = jobStart + Duration.ofMinutes(3).toMillis() + r.nextLong(Math.max(1, t - jobStart - 240_000));
                            final String component = r.nextBoolean() ? "kube-controller-manager" : "kube-scheduler";
                            plan.events.add(restart(g, "kube-system", component + "-" + g.node(), component, "Error", 1,
                                    "leaderelection lost: context deadline exceeded", at));
                        }
                    }
                }
            }
        }
        // A real crash or two in daytime, far from any backup window.
        final int crashes = 1 + r.nextInt(2);
        for (int i = 0; i < crashes; i++) {
            final Guest g = worker(r);
            final long at = dayStart + Duration.ofHours(9).toMillis() + r.nextLong(Duration.ofHours(10).toMillis());
            plan.events.add(restart(g, "apps", "api-" + g.cluster() + "-" + (i + 1), "api", "Error", 2,
                    "panic: runtime error: invalid memory address or nil pointer dereference", at));
        }
        if (day % 4 == 1) {
            final Guest g = worker(r);
            final long at = dayStart + Duration.ofHours(14).toMillis() + r.nextLong(Duration.ofHours(4).toMillis());
            plan.events.add(restart(g, "monitoring", "loki-0", "loki", "OOMKilled", 137, null, at));
        }
        // Every fifth day one host runs short of memory for 40 minutes and pods on it restart.
        if (day % 5 == 2) {
            final String host = HOSTS.get(r.nextInt(3));
            final long from = dayStart + Duration.ofHours(20).toMillis() + r.nextLong(Duration.ofHours(2).toMillis());
            final long to = from + Duration.ofMinutes(40).toMillis();
            plan.memoryPressure.add(new Span(from, to, host));
            for (Guest g : GUESTS) {
                if (g.host().equals(host) && "worker".equals(g.role())) {
                    plan.events.add(restart(g, "apps", "web-" + g.node(), "web", "Error", 1, "context deadline exceeded",
                            from + Duration.ofMinutes(10).toMillis() + r.nextLong(Duration.ofMinutes(20).toMillis())));
                }
            }
        }
        plan.events.sort(Comparator.comparingLong(Planned::time).thenComparing(p -> p.topic));
        return plan;
    }

    private static Guest worker(SplittableRandom r) {
        final List<Guest> workers = GUESTS.stream().filter(g -> "worker".equals(g.role())).toList();
        return workers.get(r.nextInt(workers.size()));
    }

    private static BackupEvent backup(String host, BackupPhase phase, Integer vmid, String target, String status, long t) {
        return BackupEvent.newBuilder().setHost(host).setPhase(phase).setVmid(vmid).setJobId(JOB).setStorage(STORAGE)
                .setTargetHost(target).setStatus(status).setTime(Instant.ofEpochMilli(t)).build();
    }

    private static Planned restart(Guest g, String namespace, String pod, String container, String reason, int exitCode,
                                   String message, long t) {
        final PodRestart r = PodRestart.newBuilder().setCluster(g.cluster()).setNamespace(namespace).setPod(pod)
                .setContainer(container).setNode(g.node()).setRestartCount(0).setTerminatedReason(reason)
                .setExitCode(exitCode).setFinishedAt(Instant.ofEpochMilli(t)).setWaitingReason("CrashLoopBackOff")
                .setMessage(message).build();
        return new Planned(t, Topic.POD_RESTARTS, g.cluster() + "/" + namespace + "/" + pod + "/" + container, r);
    }

    // --- samples --------------------------------------------------------------------------

    private static MemorySample hostSample(String host, long t, DayPlan plan, SplittableRandom noise) {
        final boolean pressure = plan.any(plan.memoryPressure, host, t);
        final boolean contention = plan.any(plan.contention, host, t);
        final boolean backup = plan.any(plan.backupIo, host, t);
        final long total = 128 * GIB;
        final double used = pressure ? 0.965 + noise.nextDouble() * 0.02 : 0.62 + noise.nextDouble() * 0.12;
        final double ioWait = contention ? 0.30 + noise.nextDouble() * 0.15
                : backup ? 0.06 + noise.nextDouble() * 0.08 : 0.005 + noise.nextDouble() * 0.03;
        return MemorySample.newBuilder().setHost(host).setMemUsedBytes((long) (total * used)).setMemTotalBytes(total)
                .setMemPressureSomeAvg10(pressure ? 18 + noise.nextDouble() * 15 : noise.nextDouble() * 2)
                .setCpuUsage(0.10 + noise.nextDouble() * 0.30).setIoWait(ioWait).setTime(Instant.ofEpochMilli(t)).build();
    }

    private static MemorySample guestSample(Guest g, long t, DayPlan plan, SplittableRandom noise) {
        final double used = 0.35 + noise.nextDouble() * 0.35;
        return MemorySample.newBuilder().setHost(g.host()).setVmid(g.vmid()).setVmName(g.name())
                .setMemUsedBytes((long) (g.memTotal() * used)).setMemTotalBytes(g.memTotal())
                .setBalloonActualBytes(g.memTotal()).setBalloonMaxBytes(g.memTotal())
                .setCpuUsage(0.05 + noise.nextDouble() * 0.4).setTime(Instant.ofEpochMilli(t)).build();
    }

    private static EtcdLatencySample etcdSample(Guest member, long t, DayPlan plan, SplittableRandom noise) {
        final boolean contention = plan.any(plan.contention, member.node(), t);
        final double fsync = contention ? 60 + noise.nextDouble() * 190 : 1.5 + noise.nextDouble() * 5;
        return EtcdLatencySample.newBuilder().setCluster(member.cluster()).setMember(member.node())
                .setWalFsyncP99Ms(fsync).setBackendCommitP99Ms(fsync * 1.8)
                .setSlowApplies(contention ? 1 + noise.nextInt(5) : 0)
                .setDbSizeBytes(60_000_000L).setDbSizeInUseBytes(57_000_000L)
                .setLeader(member.node().endsWith("-1") || member.cluster().equals("monit"))
                .setTime(Instant.ofEpochMilli(t)).build();
    }
}
