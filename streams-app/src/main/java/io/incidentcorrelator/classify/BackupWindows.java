package io.incidentcorrelator.classify;

import io.incidentcorrelator.avro.BackupEvent;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns backup job phases into runs. A job's phases arrive as JOB_START, per-guest
 * BACKUP_START/END and JOB_END (vzdump hook) or only as job-level phases (Proxmox task
 * list); the same job id runs every night, so a run closes at its JOB_END/JOB_ABORT, or when
 * its last open guest ends if the job-level phases are missing.
 */
public final class BackupWindows {

    private BackupWindows() {
    }

    public static List<BackupActivity> runs(List<BackupEvent> events) {
        final Map<String, List<BackupEvent>> byJob = new LinkedHashMap<>();
        events.stream()
                .sorted(Comparator.comparing(BackupEvent::getTime).thenComparing(e -> e.getPhase().ordinal()))
                .forEach(e -> byJob.computeIfAbsent(jobKey(e), k -> new ArrayList<>()).add(e));
        final List<BackupActivity> runs = new ArrayList<>();
        byJob.values().forEach(jobEvents -> runs.addAll(runsOfJob(jobEvents)));
        runs.sort(Comparator.comparing(BackupActivity::start).thenComparing(BackupActivity::sourceHost)
                .thenComparing(BackupActivity::job));
        return runs;
    }

    private static String jobKey(BackupEvent e) {
        return e.getHost() + "|" + jobLabel(e);
    }

    static String jobLabel(BackupEvent e) {
        if (e.getJobId() != null && !e.getJobId().isBlank()) {
            return e.getJobId();
        }
        if (e.getUpid() != null && !e.getUpid().isBlank()) {
            return e.getUpid();
        }
        return "vzdump";
    }

    private static List<BackupActivity> runsOfJob(List<BackupEvent> events) {
        final List<BackupActivity> runs = new ArrayList<>();
        final Set<Integer> openGuests = new HashSet<>();
        BackupEvent runStart = null;
        String targetHost = null;
        String storage = null;
        boolean jobOpen = false;
        for (BackupEvent e : events) {
            if (e.getTargetHost() != null) {
                targetHost = e.getTargetHost();
            }
            if (e.getStorage() != null) {
                storage = e.getStorage();
            }
            switch (e.getPhase()) {
                case JOB_START -> {
                    if (runStart == null) {
                        runStart = e;
                    }
                    jobOpen = true;
                }
                case BACKUP_START -> {
                    if (runStart == null) {
                        runStart = e;
                    }
                    openGuests.add(e.getVmid() == null ? -1 : e.getVmid());
                }
                case BACKUP_END, BACKUP_ABORT -> {
                    openGuests.remove(e.getVmid() == null ? -1 : e.getVmid());
                    if (runStart != null && !jobOpen && openGuests.isEmpty()) {
                        runs.add(run(runStart, e, targetHost, storage));
                        runStart = null;
                    }
                }
                case JOB_END, JOB_ABORT -> {
                    if (runStart == null) {
                        // An end without a start we saw: the run began before our data; it still
                        // tells us the host was busy up to here.
                        runStart = e;
                    }
                    runs.add(run(runStart, e, targetHost, storage));
                    runStart = null;
                    jobOpen = false;
                    openGuests.clear();
                }
                default -> {
                    // UNKNOWN phases (a newer writer's symbol) carry no start or end.
                }
            }
        }
        if (runStart != null) {
            runs.add(new BackupActivity(runStart.getHost(), targetHost, storage, jobLabel(runStart),
                    runStart.getTime(), null, false));
        }
        return runs;
    }

    private static BackupActivity run(BackupEvent start, BackupEvent end, String targetHost, String storage) {
        final boolean aborted = switch (end.getPhase()) {
            case JOB_ABORT, BACKUP_ABORT -> true;
            default -> false;
        };
        return new BackupActivity(start.getHost(), targetHost, storage, jobLabel(start), start.getTime(),
                end.getTime(), aborted);
    }
}
