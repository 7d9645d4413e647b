package io.incidentcorrelator.incident;

import io.incidentcorrelator.avro.Evidence;
import io.incidentcorrelator.avro.EvidenceKind;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.avro.Severity;
import io.incidentcorrelator.classify.Classification.Note;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The words a person on call reads: one sentence saying what happened and why, and the
 * runbooks' actions for that cause. Built only from the incident's own facts so the same
 * input always gives the same text.
 */
record IncidentNarrative(String summary, List<String> actions) {

    private static final DateTimeFormatter HHMM = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY_HHMM = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final Pattern LEADER_ELECTION_COMPONENT = Pattern.compile(
            "kube-scheduler|kube-controller-manager|cloud-controller-manager|controller|operator|provisioner");
    private static final Pattern CONTROL_PLANE_POD = Pattern.compile(
            "^(kube-apiserver|etcd|kube-scheduler|kube-controller-manager)(-|$)");

    static IncidentNarrative of(String cluster, IncidentCategory category, List<PodSummary> pods, List<String> hosts,
                                List<Evidence> evidence, Set<String> notes, Instant start, Instant end,
                                int restarts) {
        final String who = podNames(pods) + " on cluster " + cluster;
        final String times = restarts == 1 ? "" : " " + restarts + " times";
        final String when = span(start, end);
        final List<String> actions = new ArrayList<>();
        final String summary = switch (category) {
            case OOM_KILLED -> {
                actions.add("Raise the memory limit of " + containers(pods) + " by 50 % (or to the next tier: 256Mi → 512Mi → 1Gi) in its manifest and let GitOps sync it.");
                actions.add("If usage keeps growing after the raise, look for a memory leak in the application.");
                yield who + " " + (pods.size() > 1 ? "were" : "was") + " OOM-killed" + times + " " + when
                        + " (exit 137): the container's memory limit is too low; raise it.";
            }
            case IMAGE_PULL_FAILURE -> {
                actions.add("Fix the image reference (tag or digest) in the manifest of " + podNames(pods) + "; check that the tag exists in the registry.");
                actions.add("If the image exists, check the registry credentials (imagePullSecrets) and that the node can reach the registry.");
                yield who + " could not pull " + (pods.size() > 1 ? "their images" : "its image") + " " + when
                        + logQuote(evidence) + ": fix the image reference.";
            }
            case BACKUP_IO_CONTENTION -> {
                final String backups = backupSources(evidence);
                if (notes.contains(Note.LEADER_ELECTION) || pods.stream().anyMatch(p -> LEADER_ELECTION_COMPONENT.matcher(p.getPod()).find())) {
                    actions.add("Raise leader-election tolerance for kube-scheduler and kube-controller-manager (leaseDuration 30s, renewDeadline 20s, retryPeriod 5s) so a slow API server during backups does not cost the lease.");
                }
                actions.add("Stagger the backup jobs so the hosts that write to the same backup storage do not run at once, or move the job touching " + joinHosts(hosts) + " to a quieter hour (e.g. 04:00).");
                actions.add("Throttle the backup (bandwidth / I/O limit on the vzdump or PBS job) to leave disk I/O for the control plane.");
                if (notes.contains(Note.BALLOON)) {
                    actions.add("Stop the balloon driver reclaiming memory from control-plane VMs (set balloon equal to memory) on " + joinHosts(hosts) + ".");
                }
                actions.add("For pods that exit when the API server is slow, raise the liveness probe failureThreshold (e.g. 5) and give them resource requests (Burstable, not BestEffort).");
                actions.add("Longer term: put the backup datastore on its own disk, apart from the VMs' disks.");
                yield who + " restarted" + times + " " + when + " while " + backups
                        + (notes.contains(Note.BACKUP_RUNNING) ? (backupCount(evidence) > 1 ? " were running" : " was running")
                        : " had just finished")
                        + factorsClause(notes, evidence) + "; transient, expected to heal once the backup's I/O subsides.";
            }
            case HOST_MEMORY_PRESSURE -> {
                actions.add("Free memory on " + joinHosts(hosts) + ": reduce over-allocation of its guests or move a VM to another host; keep 15-20 % headroom.");
                if (notes.contains(Note.BALLOON)) {
                    actions.add("Disable ballooning for control-plane VMs (set balloon equal to memory) so the host cannot reclaim their RAM.");
                }
                actions.add("Alert on Proxmox host memory above 80 % to act before the guests are starved.");
                yield who + " restarted" + times + " " + when + " while " + memoryFacts(evidence, hosts) + factorsClause(notes, evidence)
                        + "; usually transient, but the host is over-committed.";
            }
            case HOST_CPU_CONTENTION -> {
                actions.add("Give control-plane VMs on " + joinHosts(hosts) + " CPU priority (cpuunits 1024) and keep 15-20 % CPU headroom on the host.");
                actions.add("Find the noisy neighbour on " + joinHosts(hosts) + " (top guests by CPU and I/O) and move or limit it.");
                actions.add("Alert on Proxmox host CPU above 80 % and on etcd WAL fsync p99 as early warnings.");
                yield who + " restarted" + times + " " + when + " while " + cpuFacts(evidence, hosts) + " and no backup was running"
                        + factorsClause(notes, evidence) + ": a noisy neighbour is starving the guests.";
            }
            case ETCD_DISK_LATENCY -> {
                if (notes.contains(Note.ETCD_FRAGMENTED)) {
                    actions.add("Defragment etcd one member at a time, the leader last (talosctl etcd defrag / etcdctl defrag), then check the database size again.");
                }
                actions.add("Move etcd's data off disks shared with I/O-heavy workloads (Ceph OSDs, Prometheus TSDB, video recording) or give it a dedicated disk.");
                actions.add("Watch etcd_disk_wal_fsync_duration_seconds p99: it should stay under 10 ms.");
                yield who + " restarted" + times + " " + when + " while " + etcdFacts(evidence) + " with no backup or host contention"
                        + (notes.contains(Note.ETCD_FRAGMENTED) ? "; the database is fragmented: defragment etcd" : "; check the etcd disk") + ".";
            }
            case API_SERVER_UNREACHABLE -> {
                actions.add("Check kube-apiserver health and logs on the control-plane nodes (kubectl get --raw /readyz?verbose).");
                actions.add("Check the path to the cluster service address " + endpoints(notes) + " from the node: kube-proxy / CNI (e.g. Cilium) health and the control-plane VIP.");
                yield who + " " + (notes.contains(Note.LEADER_ELECTION) ? "lost leader election" + times + " after timeouts" : "timed out" + times)
                        + " " + when
                        + " talking to the API server through the cluster address " + endpoints(notes)
                        + " with no host contention: investigate API server health and the service network.";
            }
            case APP_CRASH -> {
                actions.add("Read the previous container's log: kubectl logs -n " + pods.get(0).getNamespace() + " " + pods.get(0).getPod()
                        + " -c " + pods.get(0).getContainer() + " --previous --tail=50.");
                actions.add("Check the configuration, Secrets and ConfigMaps the pod references, and recent changes to its manifest or image.");
                final String context = notes.isEmpty() || !hasContention(notes)
                        ? " with no contention evidence"
                        : " (host contention was present but does not explain " + (restarts > 1 ? "these crashes" : "this crash") + ")";
                yield who + " crashed" + times + " " + when + context + logQuote(evidence) + ": a real failure to investigate.";
            }
            default -> {
                actions.add("Inspect the pod's previous log and events.");
                yield who + " restarted" + times + " " + when + " for a reason this classifier version does not know.";
            }
        };
        return new IncidentNarrative(summary, List.copyOf(actions));
    }

    static Severity severity(IncidentCategory category, List<PodSummary> pods, Set<String> notes, int restarts) {
        final boolean controlPlane = notes.contains(Note.CONTROL_PLANE)
                || pods.stream().anyMatch(p -> CONTROL_PLANE_POD.matcher(p.getPod()).find());
        return switch (category) {
            case BACKUP_IO_CONTENTION -> Severity.INFO;
            case HOST_MEMORY_PRESSURE, HOST_CPU_CONTENTION -> controlPlane ? Severity.WARNING : Severity.INFO;
            case ETCD_DISK_LATENCY, API_SERVER_UNREACHABLE -> Severity.CRITICAL;
            case OOM_KILLED, IMAGE_PULL_FAILURE, APP_CRASH ->
                    controlPlane || restarts >= 10 ? Severity.CRITICAL : Severity.WARNING;
            default -> Severity.WARNING;
        };
    }

    private static boolean hasContention(Set<String> notes) {
        return notes.contains(Note.BACKUP_RUNNING) || notes.contains(Note.BACKUP_COOLDOWN)
                || notes.contains(Note.HOST_MEMORY_FULL) || notes.contains(Note.BALLOON) || notes.contains(Note.MEMORY_PSI)
                || notes.contains(Note.CPU) || notes.contains(Note.IOWAIT) || notes.contains(Note.ETCD_SLOW);
    }

    private static String podNames(List<PodSummary> pods) {
        final List<String> names = pods.stream().map(PodSummary::getPod).distinct().toList();
        if (names.size() <= 3) {
            return joinAnd(names);
        }
        return joinAnd(names.subList(0, 2)) + " and " + (names.size() - 2) + " other pods";
    }

    private static String containers(List<PodSummary> pods) {
        return joinAnd(pods.stream().map(p -> p.getPod() + "/" + p.getContainer()).distinct().toList());
    }

    private static String span(Instant start, Instant end) {
        if (start.equals(end)) {
            return "at " + DAY_HHMM.format(start) + " UTC";
        }
        final boolean sameDay = start.truncatedTo(java.time.temporal.ChronoUnit.DAYS)
                .equals(end.truncatedTo(java.time.temporal.ChronoUnit.DAYS));
        return "between " + DAY_HHMM.format(start) + " and " + (sameDay ? HHMM : DAY_HHMM).format(end) + " UTC";
    }

    private static long backupCount(List<Evidence> evidence) {
        return evidence.stream().filter(e -> e.getKind() == EvidenceKind.BACKUP).map(Evidence::getSource).distinct().count();
    }

    private static String backupSources(List<Evidence> evidence) {
        final List<String> jobs = evidence.stream().filter(e -> e.getKind() == EvidenceKind.BACKUP)
                .sorted(java.util.Comparator.comparing(Evidence::getTime, java.util.Comparator.nullsLast(java.util.Comparator.naturalOrder())))
                .map(Evidence::getSource).distinct().toList();
        if (jobs.isEmpty()) {
            return "a backup";
        }
        if (jobs.size() == 1) {
            return "backup " + jobs.get(0);
        }
        if (jobs.size() > 2) {
            return "backups " + joinAnd(jobs.subList(0, 2)) + " and " + (jobs.size() - 2) + " more";
        }
        return "backups " + joinAnd(jobs);
    }

    /** ", with host pihanga's memory at 98.6 % and etcd WAL fsync p99 at 236 ms" */
    private static String factorsClause(Set<String> notes, List<Evidence> evidence) {
        final List<String> parts = new ArrayList<>();
        peak(evidence, EvidenceKind.MEMORY, " memory").ifPresent(e -> parts.add(e.getSource().replace(" memory", "")
                + " memory at " + fmt(e.getObservedValue()) + " %"));
        peak(evidence, EvidenceKind.MEMORY, " balloon ").ifPresent(e -> parts.add(e.getSource().replace(" balloon on ", "'s balloon on ")
                .replace("guest ", "guest ") + " at " + fmt(e.getObservedValue()) + " % of max"));
        peak(evidence, EvidenceKind.CPU, " CPU").ifPresent(e -> parts.add(e.getSource() + " at " + fmt(e.getObservedValue()) + " %"));
        peak(evidence, EvidenceKind.CPU, " iowait").ifPresent(e -> parts.add(e.getSource() + " at " + fmt(e.getObservedValue()) + " %"));
        peak(evidence, EvidenceKind.ETCD_LATENCY, "etcd member").filter(e -> "ms".equals(e.getUnit()))
                .ifPresent(e -> parts.add("etcd WAL fsync p99 at " + fmt(e.getObservedValue()) + " ms on " + e.getSource().replace("etcd member ", "")));
        if (parts.isEmpty()) {
            return "";
        }
        return ", with " + joinAnd(parts);
    }

    private static String memoryFacts(List<Evidence> evidence, List<String> hosts) {
        final List<String> parts = new ArrayList<>();
        peak(evidence, EvidenceKind.MEMORY, " memory").ifPresent(e -> parts.add(e.getSource() + " was at " + fmt(e.getObservedValue()) + " %"));
        peak(evidence, EvidenceKind.MEMORY, " balloon ").ifPresent(e -> parts.add(e.getSource().replace(" balloon on ", " on ")
                + " had its balloon reclaimed to " + fmt(e.getObservedValue()) + " % of max"));
        peak(evidence, EvidenceKind.MEMORY, " PSI").ifPresent(e -> parts.add(e.getSource() + " was at " + fmt(e.getObservedValue())));
        return parts.isEmpty() ? "host " + joinHosts(hosts) + " was short of memory" : joinAnd(parts);
    }

    private static String cpuFacts(List<Evidence> evidence, List<String> hosts) {
        final List<String> parts = new ArrayList<>();
        peak(evidence, EvidenceKind.CPU, " CPU").ifPresent(e -> parts.add(e.getSource() + " was saturated (peak " + fmt(e.getObservedValue()) + " %)"));
        peak(evidence, EvidenceKind.CPU, " iowait").ifPresent(e -> parts.add(e.getSource() + " peaked at " + fmt(e.getObservedValue()) + " %"));
        return parts.isEmpty() ? "host " + joinHosts(hosts) + " was saturated" : joinAnd(parts);
    }

    private static String etcdFacts(List<Evidence> evidence) {
        return peak(evidence, EvidenceKind.ETCD_LATENCY, "etcd member").filter(e -> "ms".equals(e.getUnit()))
                .map(e -> "etcd WAL fsync p99 peaked at " + fmt(e.getObservedValue()) + " ms on " + e.getSource().replace("etcd member ", "")
                        + " (threshold " + fmt(e.getThreshold()) + " ms)")
                .orElse("etcd was slow");
    }

    private static Optional<Evidence> peak(List<Evidence> evidence, EvidenceKind kind, String sourceContains) {
        return evidence.stream()
                .filter(e -> e.getKind() == kind && e.getSource().contains(sourceContains) && e.getObservedValue() != null)
                .reduce((a, b) -> sourceContains.contains("balloon")
                        ? (b.getObservedValue() < a.getObservedValue() ? b : a)
                        : (b.getObservedValue() > a.getObservedValue() ? b : a));
    }

    private static String logQuote(List<Evidence> evidence) {
        return evidence.stream().filter(e -> e.getKind() == EvidenceKind.LOG_PATTERN && e.getText() != null)
                .map(e -> e.getText().length() > 120 ? e.getText().substring(0, 117) + "..." : e.getText())
                .findFirst().map(t -> " (log: " + t + ")").orElse("");
    }

    private static String endpoints(Set<String> notes) {
        final List<String> eps = notes.stream().filter(n -> n.startsWith(Note.ENDPOINT_PREFIX))
                .map(n -> n.substring(Note.ENDPOINT_PREFIX.length())).sorted().toList();
        return eps.isEmpty() ? "(kubernetes.default)" : joinAnd(eps);
    }

    private static String joinHosts(List<String> hosts) {
        return hosts.isEmpty() ? "the host" : joinAnd(hosts);
    }

    private static String fmt(Double v) {
        if (v == null) {
            return "?";
        }
        return v == Math.rint(v) ? String.valueOf(v.longValue()) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String joinAnd(List<String> items) {
        if (items.isEmpty()) {
            return "";
        }
        if (items.size() == 1) {
            return items.get(0);
        }
        return items.subList(0, items.size() - 1).stream().collect(Collectors.joining(", "))
                + " and " + items.get(items.size() - 1);
    }
}
