package io.incidentcorrelator.classify;

import io.incidentcorrelator.avro.Evidence;
import io.incidentcorrelator.avro.EvidenceKind;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.classify.Classification.Note;
import io.incidentcorrelator.classify.RestartSignature.Nature;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Classifies one restart the way the runbooks reason:
 * <ol>
 *   <li>the restart's own signature first: OOMKilled / exit 137 and image pull failures are what
 *       they are whatever else happens;</li>
 *   <li>then host contention, cause before symptom: a backup touching the node's host, host
 *       memory pressure, host CPU / iowait saturation ("a starved host makes etcd slow, not the
 *       other way round");</li>
 *   <li>then etcd disk latency, then an API server unreachable through the cluster address;</li>
 *   <li>otherwise a real application crash.</li>
 * </ol>
 * A restart whose log shows the application's own failure (a panic, a config error, a clean
 * exit) is an application crash even inside a backup window: the contention is then only a
 * contributing factor. That is the one real crash of the night hiding among the transients.
 */
public final class Classifier {

    private final ClassifierConfig config;

    public Classifier(ClassifierConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public Classification classify(RestartContext ctx) {
        final PodRestart restart = ctx.restart();
        final Instant t = restart.getFinishedAt();
        final RestartSignature signature = RestartSignature.of(restart);
        final boolean appLike = signature.nature() == Nature.APP_FAILURE_LIKE;

        final List<BackupActivity> activeBackups = ctx.backups().stream()
                .filter(b -> b.activeAt(t, config.backupCoolDown(), config.maxBackupDuration()))
                .toList();
        final HostPressure host = ctx.host();
        final EtcdPressure etcd = ctx.etcd();

        final boolean backup = !activeBackups.isEmpty();
        final boolean memory = host.memoryPressure(config);
        final boolean cpu = host.cpuContention(config);
        final boolean etcdSlow = etcd.slow(config);
        final boolean apiRemote = signature.apiUnreachableViaClusterAddress();

        // Signatures that hold, in the contract's precedence order.
        final Set<IncidentCategory> holding = new LinkedHashSet<>();
        if (signature.oomKilled()) {
            holding.add(IncidentCategory.OOM_KILLED);
        }
        if (signature.imagePullFailure()) {
            holding.add(IncidentCategory.IMAGE_PULL_FAILURE);
        }
        if (backup) {
            holding.add(IncidentCategory.BACKUP_IO_CONTENTION);
        }
        if (memory) {
            holding.add(IncidentCategory.HOST_MEMORY_PRESSURE);
        }
        if (cpu) {
            holding.add(IncidentCategory.HOST_CPU_CONTENTION);
        }
        if (etcdSlow) {
            holding.add(IncidentCategory.ETCD_DISK_LATENCY);
        }
        if (apiRemote) {
            holding.add(IncidentCategory.API_SERVER_UNREACHABLE);
        }

        IncidentCategory category = IncidentCategory.APP_CRASH;
        for (IncidentCategory c : holding) {
            final boolean explainsCrash = switch (c) {
                case OOM_KILLED, IMAGE_PULL_FAILURE -> true;
                default -> !appLike;
            };
            if (explainsCrash) {
                category = c;
                break;
            }
        }
        final List<IncidentCategory> contributing = new ArrayList<>(holding);
        contributing.remove(category);

        final Set<String> notes = new TreeSet<>();
        if (signature.leaderElectionLost()) {
            notes.add(Note.LEADER_ELECTION);
        }
        if (appLike) {
            notes.add(Note.APP_FAILURE_LOG);
        }
        if (apiRemote) {
            notes.add(Note.API_REMOTE);
        } else if (signature.apiTimeout() && !signature.localEndpoints().isEmpty()) {
            notes.add(Note.API_LOCAL);
        }
        if (ctx.placement() == null) {
            notes.add(Note.UNPLACED);
        } else if (ctx.placement().controlPlane()) {
            notes.add(Note.CONTROL_PLANE);
        }
        if (host.memoryFull(config)) {
            notes.add(Note.HOST_MEMORY_FULL);
        }
        if (host.balloonReclaimed(config)) {
            notes.add(Note.BALLOON);
        }
        if (host.memoryPsiHigh(config)) {
            notes.add(Note.MEMORY_PSI);
        }
        if (host.cpuSaturated(config)) {
            notes.add(Note.CPU);
        }
        if (host.ioWaitSaturated(config)) {
            notes.add(Note.IOWAIT);
        }
        if (etcdSlow) {
            notes.add(Note.ETCD_SLOW);
        }
        if (etcd.fragmented(config)) {
            notes.add(Note.ETCD_FRAGMENTED);
        }
        if (ctx.placement() != null && ctx.placement().host() != null) {
            notes.add(Note.HOST_PREFIX + ctx.placement().host());
        }
        for (BackupActivity b : activeBackups) {
            notes.add(Note.HOST_PREFIX + b.sourceHost());
            if (b.targetHost() != null) {
                notes.add(Note.HOST_PREFIX + b.targetHost());
            }
        }
        signature.remoteEndpoints().forEach(ep -> notes.add(Note.ENDPOINT_PREFIX + ep));
        if (activeBackups.stream().anyMatch(b -> b.runningAt(t))) {
            notes.add(Note.BACKUP_RUNNING);
        } else if (backup) {
            notes.add(Note.BACKUP_COOLDOWN);
        }

        final List<Evidence> evidence = new ArrayList<>();
        evidence.addAll(restartEvidence(restart, signature));
        activeBackups.forEach(b -> evidence.add(backupEvidence(b, t)));
        if (memory) {
            evidence.addAll(memoryEvidence(host));
        }
        if (cpu) {
            evidence.addAll(cpuEvidence(host));
        }
        if (etcdSlow || etcd.fragmented(config)) {
            evidence.addAll(etcdEvidence(etcd));
        }

        return new Classification(category, Classification.transientCategory(category),
                confidence(category, signature, holding, notes), List.copyOf(contributing), List.copyOf(evidence),
                notes);
    }

    /** The table in docs/categories.md ("Confidence"): keep the two together. */
    private double confidence(IncidentCategory category, RestartSignature signature, Set<IncidentCategory> holding,
                              Set<String> notes) {
        final boolean contentionLike = signature.nature() == Nature.CONTENTION_LIKE;
        double c = switch (category) {
            case OOM_KILLED -> 0.95; // only a restart the kernel OOM-killed is ever OOM_KILLED
            case IMAGE_PULL_FAILURE -> 0.95;
            case BACKUP_IO_CONTENTION -> 0.70
                    + (contentionLike ? 0.10 : 0)
                    + (notes.contains(Note.BACKUP_RUNNING) ? 0.05 : 0)
                    + (holding.contains(IncidentCategory.ETCD_DISK_LATENCY) ? 0.05 : 0)
                    + (holding.contains(IncidentCategory.HOST_MEMORY_PRESSURE)
                    || holding.contains(IncidentCategory.HOST_CPU_CONTENTION) ? 0.05 : 0);
            case HOST_MEMORY_PRESSURE, HOST_CPU_CONTENTION -> 0.65
                    + (contentionLike ? 0.10 : 0)
                    + (holding.contains(IncidentCategory.ETCD_DISK_LATENCY) ? 0.10 : 0);
            case ETCD_DISK_LATENCY -> 0.65
                    + (contentionLike ? 0.10 : 0)
                    + (notes.contains(Note.ETCD_FRAGMENTED) ? 0.10 : 0);
            case API_SERVER_UNREACHABLE -> signature.leaderElectionLost() ? 0.75 : 0.60;
            case APP_CRASH -> notes.contains(Note.APP_FAILURE_LOG) ? (holding.isEmpty() ? 0.85 : 0.70)
                    : (holding.isEmpty() ? 0.60 : 0.50);
            default -> 0.5;
        };
        return Math.round(Math.min(c, 0.95) * 100) / 100.0;
    }

    private static String podSource(PodRestart r) {
        return r.getNamespace() + "/" + r.getPod() + "/" + r.getContainer();
    }

    private List<Evidence> restartEvidence(PodRestart r, RestartSignature signature) {
        final List<Evidence> out = new ArrayList<>();
        if (r.getExitCode() != null || r.getTerminatedReason() != null || r.getWaitingReason() != null) {
            final StringBuilder text = new StringBuilder();
            if (r.getExitCode() != null) {
                text.append("exit ").append(r.getExitCode());
            }
            if (r.getTerminatedReason() != null) {
                text.append(text.isEmpty() ? "" : " ").append('(').append(r.getTerminatedReason()).append(')');
            }
            if (r.getWaitingReason() != null) {
                text.append(text.isEmpty() ? "" : ", ").append(r.getWaitingReason());
            }
            out.add(Evidence.newBuilder()
                    .setKind(EvidenceKind.EXIT_CODE)
                    .setSource(podSource(r))
                    .setObservedValue(r.getExitCode() == null ? null : r.getExitCode().doubleValue())
                    .setUnit(r.getExitCode() == null ? null : "exit-code")
                    .setTime(r.getFinishedAt())
                    .setText(text.toString())
                    .build());
        }
        if (!signature.telltaleLine().isEmpty()) {
            out.add(Evidence.newBuilder()
                    .setKind(EvidenceKind.LOG_PATTERN)
                    .setSource(podSource(r))
                    .setTime(r.getFinishedAt())
                    .setText(signature.telltaleLine())
                    .build());
        }
        return out;
    }

    private Evidence backupEvidence(BackupActivity b, Instant t) {
        final String text;
        if (b.end() == null) {
            text = "running since " + b.start() + (b.runningAt(t) ? "" : ", no end seen");
        } else if (b.runningAt(t)) {
            text = "ran " + b.start() + " to " + b.end() + (b.aborted() ? " (aborted)" : "");
        } else {
            text = "ran " + b.start() + " to " + b.end() + (b.aborted() ? " (aborted)" : "")
                    + "; restart within the " + minutes(config.backupCoolDown()) + " min cool-down";
        }
        return Evidence.newBuilder()
                .setKind(EvidenceKind.BACKUP)
                .setSource(b.describe())
                .setTime(b.start())
                .setText(text)
                .build();
    }

    private List<Evidence> memoryEvidence(HostPressure h) {
        final List<Evidence> out = new ArrayList<>();
        if (h.memoryFull(config)) {
            out.add(Evidence.newBuilder()
                    .setKind(EvidenceKind.MEMORY)
                    .setSource("host " + h.host() + " memory")
                    .setObservedValue(percent(h.memoryUsed().value()))
                    .setThreshold(percent(config.hostMemoryUsedRatio()))
                    .setUnit("percent")
                    .setTime(h.memoryUsed().time())
                    .setText("host memory used peaked at " + fmtPercent(h.memoryUsed().value()))
                    .build());
        }
        if (h.balloonReclaimed(config)) {
            out.add(Evidence.newBuilder()
                    .setKind(EvidenceKind.MEMORY)
                    .setSource("guest " + h.guestVmid() + (h.guestName() == null ? "" : " (" + h.guestName() + ")")
                            + " balloon on " + h.host())
                    .setObservedValue(percent(h.balloonLowest().value()))
                    .setThreshold(percent(config.balloonRatio()))
                    .setUnit("percent")
                    .setTime(h.balloonLowest().time())
                    .setText("balloon reclaimed to " + gib(h.balloonActualBytes()) + " of " + gib(h.balloonMaxBytes())
                            + " max")
                    .build());
        }
        if (h.memoryPsiHigh(config)) {
            out.add(Evidence.newBuilder()
                    .setKind(EvidenceKind.MEMORY)
                    .setSource("host " + h.host() + " memory PSI")
                    .setObservedValue(round(h.memoryPsi().value(), 2))
                    .setThreshold(config.memoryPsiSomeAvg10())
                    .setUnit("percent")
                    .setTime(h.memoryPsi().time())
                    .setText("memory pressure (PSI some avg10) peaked at " + round(h.memoryPsi().value(), 2))
                    .build());
        }
        return out;
    }

    private List<Evidence> cpuEvidence(HostPressure h) {
        final List<Evidence> out = new ArrayList<>();
        if (h.cpuSaturated(config)) {
            out.add(Evidence.newBuilder()
                    .setKind(EvidenceKind.CPU)
                    .setSource("host " + h.host() + " CPU")
                    .setObservedValue(percent(h.cpu().value()))
                    .setThreshold(percent(config.hostCpuUsage()))
                    .setUnit("percent")
                    .setTime(h.cpu().time())
                    .setText("CPU at or above " + fmtPercent(config.hostCpuUsage()) + " for "
                            + minutes(h.cpuSaturatedFor()) + " min, peak " + fmtPercent(h.cpu().value()))
                    .build());
        }
        if (h.ioWaitSaturated(config)) {
            out.add(Evidence.newBuilder()
                    .setKind(EvidenceKind.CPU)
                    .setSource("host " + h.host() + " iowait")
                    .setObservedValue(percent(h.ioWait().value()))
                    .setThreshold(percent(config.hostIoWait()))
                    .setUnit("percent")
                    .setTime(h.ioWait().time())
                    .setText("iowait at or above " + fmtPercent(config.hostIoWait()) + " for "
                            + minutes(h.ioWaitSaturatedFor()) + " min, peak " + fmtPercent(h.ioWait().value()))
                    .build());
        }
        return out;
    }

    private List<Evidence> etcdEvidence(EtcdPressure e) {
        final List<Evidence> out = new ArrayList<>();
        if (e.slow(config)) {
            final StringBuilder text = new StringBuilder("WAL fsync p99 peaked at ")
                    .append(round(e.walFsyncP99PeakMs(), 2)).append(" ms");
            if (e.backendCommitP99PeakMs() != null) {
                text.append(", backend commit p99 ").append(round(e.backendCommitP99PeakMs(), 2)).append(" ms");
            }
            if (e.slowApplies() > 0) {
                text.append(", ").append(e.slowApplies()).append(" slow applies (over 100 ms)");
            }
            out.add(Evidence.newBuilder()
                    .setKind(EvidenceKind.ETCD_LATENCY)
                    .setSource("etcd member " + e.walPeakMember())
                    .setObservedValue(round(e.walFsyncP99PeakMs(), 2))
                    .setThreshold(config.etcdWalFsyncP99Ms())
                    .setUnit("ms")
                    .setTime(e.walPeakTime())
                    .setText(text.toString())
                    .build());
        }
        if (e.fragmented(config)) {
            final double inUse = (double) e.dbSizeInUseBytes() / e.dbSizeBytes();
            out.add(Evidence.newBuilder()
                    .setKind(EvidenceKind.ETCD_LATENCY)
                    .setSource("etcd member " + e.fragmentedMember() + " database")
                    .setObservedValue(percent(1 - inUse))
                    .setThreshold(percent(1 - config.etcdFragmentedInUseRatio()))
                    .setUnit("percent fragmented")
                    .setText("database " + mb(e.dbSizeBytes()) + " allocated, " + mb(e.dbSizeInUseBytes())
                            + " in use: defragment")
                    .build());
        }
        return out;
    }

    /** A ratio as the percent the evidence (and the web view) shows, one decimal. */
    public static double percent(double ratio) {
        return round(ratio * 100, 1);
    }

    static double round(double v, int decimals) {
        final double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }

    static String fmtPercent(double ratio) {
        return String.format(Locale.ROOT, "%.1f %%", ratio * 100);
    }

    static long minutes(Duration d) {
        return d.toMinutes();
    }

    static String gib(Long bytes) {
        return bytes == null ? "?" : String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    static String mb(Long bytes) {
        return bytes == null ? "?" : String.format(Locale.ROOT, "%d MB", Math.round(bytes / 1_000_000.0));
    }
}
