package io.incidentcorrelator.advise;

import io.incidentcorrelator.advise.BackupAdvice.Estimate;
import io.incidentcorrelator.advise.BackupAdvice.Exposure;
import io.incidentcorrelator.advise.BackupAdvice.IncidentMark;
import io.incidentcorrelator.advise.BackupAdvice.JobKey;
import io.incidentcorrelator.advise.BackupAdvice.JobStats;
import io.incidentcorrelator.advise.BackupAdvice.Overlap;
import io.incidentcorrelator.advise.BackupAdvice.Placement;
import io.incidentcorrelator.advise.BackupAdvice.Proposal;
import io.incidentcorrelator.advise.BackupAdvice.ProposedStart;
import io.incidentcorrelator.advise.BackupAdvice.Run;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.Evidence;
import io.incidentcorrelator.avro.EvidenceKind;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.classify.BackupActivity;
import io.incidentcorrelator.classify.BackupWindows;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes the backup advice from the past: how long each job really runs, which contending
 * jobs overlapped, which incidents named them, and start times that would have kept them apart.
 *
 * <p>Two jobs contend when they write to the same target host, run on the same source host, or
 * run on hosts that both hold control-plane nodes of one cluster (its etcd members would slow
 * together). Jobs that contend with nothing may overlap freely.
 */
public final class BackupAdvisor {

    /** Grid of the proposal's start times, in minutes. */
    public static final int STEP_MINUTES = 5;

    /**
     * @param since    how far back to look
     * @param window   where the proposal may start jobs; null: the span the jobs use today
     * @param zone     the zone of the hosts' calendar (Proxmox schedules are local time)
     * @param coolDown how long a host stays affected after a job ends (the classifier's)
     */
    public record Settings(SincePeriod since, StartWindow window, ZoneId zone, Duration coolDown) {
        public Settings {
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(zone, "zone");
            Objects.requireNonNull(coolDown, "coolDown");
        }
    }

    private final Settings settings;
    private final NightClock clock;

    public BackupAdvisor(Settings settings) {
        this.settings = settings;
        this.clock = new NightClock(settings.zone());
    }

    public BackupAdvice advise(BackupHistory history) {
        final Map<String, String> storageHosts = new HashMap<>();
        history.storageLocations().forEach(s -> storageHosts.put(s.getStorage(), s.getHost()));
        final Map<String, NodePlacement> placements = new LinkedHashMap<>();
        history.inventory().forEach(p -> placements.put(p.getCluster() + "/" + p.getNode(), p));

        // The same runs the classifier sees: target hosts resolved from the storage locations.
        final List<BackupEvent> resolved = history.backups().stream().map(e -> {
            if (e.getTargetHost() != null || e.getStorage() == null || !storageHosts.containsKey(e.getStorage())) {
                return e;
            }
            return BackupEvent.newBuilder(e).setTargetHost(storageHosts.get(e.getStorage())).build();
        }).toList();
        final List<BackupActivity> allRuns = BackupWindows.runs(resolved);

        final Instant newest = newest(resolved, history.incidents());
        final Instant since = settings.since().startBefore(newest);
        final List<BackupActivity> runs = allRuns.stream()
                .filter(r -> !r.start().isBefore(since) && !r.start().isAfter(newest)).toList();
        final List<Incident> incidents = history.incidents().stream()
                .filter(i -> !i.getWindowStart().isBefore(since) && !i.getWindowStart().isAfter(newest))
                .sorted(Comparator.comparing(Incident::getWindowStart).thenComparing(Incident::getId))
                .toList();

        final Map<JobKey, List<BackupActivity>> byJob = new TreeMap<>();
        runs.forEach(r -> byJob.computeIfAbsent(key(r), k -> new ArrayList<>()).add(r));
        final List<JobKey> keys = new ArrayList<>(byJob.keySet());
        final Map<JobKey, JobStats> stats = new LinkedHashMap<>();
        byJob.forEach((k, r) -> stats.put(k, stats(k, r)));

        final Map<String, Set<String>> controlPlaneHosts = new TreeMap<>();
        placements.values().stream().filter(p -> "control-plane".equals(p.getRole()))
                .forEach(p -> controlPlaneHosts.computeIfAbsent(p.getCluster(), c -> new TreeSet<>()).add(p.getHost()));
        final String[][] sharedBy = new String[keys.size()][keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            for (int j = i + 1; j < keys.size(); j++) {
                sharedBy[i][j] = sharedBy[j][i] = contention(stats.get(keys.get(i)), stats.get(keys.get(j)),
                        controlPlaneHosts);
            }
        }

        final List<OverlapOfRuns> overlaps = overlaps(runs, keys, sharedBy);
        final StartWindow window = settings.window() != null ? settings.window() : todaysSpan(stats.values());
        final ProposalAndPairs proposal = propose(keys, stats, sharedBy, window);

        final List<IncidentMark> marks = new ArrayList<>();
        int unmatched = 0;
        for (Incident incident : incidents) {
            final List<BackupActivity> named = new ArrayList<>();
            for (Evidence e : incident.getEvidence()) {
                if (e.getKind() != EvidenceKind.BACKUP) {
                    continue;
                }
                final BackupActivity run = namedRun(allRuns, e);
                if (run == null) {
                    unmatched++;
                } else if (!named.contains(run)) {
                    named.add(run);
                }
            }
            marks.add(mark(incident, named, overlaps, proposal));
        }

        final BackupAdvice.Estimate estimate = estimate(marks);
        return new BackupAdvice(since, newest, settings.zone().getId(), settings.coolDown(), window,
                settings.window() != null, List.copyOf(stats.values()),
                overlaps.stream().map(OverlapOfRuns::overlap).toList(), marks, exposure(marks),
                proposal.proposal(), estimate, unmatched);
    }

    private static Instant newest(List<BackupEvent> backups, List<Incident> incidents) {
        Instant newest = Instant.EPOCH;
        for (BackupEvent e : backups) {
            newest = e.getTime().isAfter(newest) ? e.getTime() : newest;
        }
        for (Incident i : incidents) {
            newest = i.getWindowStart().isAfter(newest) ? i.getWindowStart() : newest;
        }
        return newest;
    }

    private static JobKey key(BackupActivity r) {
        return new JobKey(r.sourceHost(), r.job());
    }

    private JobStats stats(JobKey key, List<BackupActivity> runs) {
        final List<Run> history = new ArrayList<>();
        final List<Long> starts = new ArrayList<>();
        final List<Long> durations = new ArrayList<>();
        final Set<DayOfWeek> nightDays = EnumSet.noneOf(DayOfWeek.class);
        final Set<java.time.LocalDate> nights = new TreeSet<>();
        int aborts = 0;
        int unfinished = 0;
        String storage = null;
        String target = null;
        for (BackupActivity r : runs) {
            final java.time.LocalDate night = clock.night(r.start());
            history.add(new Run(key, night, r.start(), r.end(), r.aborted()));
            nights.add(night);
            nightDays.add(night.getDayOfWeek());
            starts.add(clock.secondsIntoNight(r.start()));
            if (r.end() == null) {
                unfinished++;
            } else {
                // Aborted runs count too: the host was busy for as long as they ran.
                durations.add(Duration.between(r.start(), r.end()).toSeconds());
            }
            aborts += r.aborted() ? 1 : 0;
            storage = r.storage() != null ? r.storage() : storage;
            target = r.targetHost() != null ? r.targetHost() : target;
        }
        final int startMedian = (int) (Percentiles.nearestRank(starts, 50) / 60);
        return new JobStats(key, storage, target, nights.size(), runs.size(), aborts, unfinished, startMedian,
                (int) (Percentiles.nearestRank(starts, 95) / 60),
                Duration.ofSeconds(Percentiles.nearestRank(durations, 50)),
                Duration.ofSeconds(Percentiles.nearestRank(durations, 95)), nightDays,
                CalendarEvents.schedule(nightDays, startMedian), List.copyOf(history));
    }

    /** Why two jobs must not run at once, or null when they may. */
    static String contention(JobStats a, JobStats b, Map<String, Set<String>> controlPlaneHosts) {
        if (a.targetHost() != null && a.targetHost().equals(b.targetHost())) {
            return "target host " + a.targetHost();
        }
        if (a.key().sourceHost().equals(b.key().sourceHost())) {
            return "source host " + a.key().sourceHost();
        }
        for (Map.Entry<String, Set<String>> cp : controlPlaneHosts.entrySet()) {
            if (cp.getValue().contains(a.key().sourceHost()) && cp.getValue().contains(b.key().sourceHost())) {
                return "control plane of cluster " + cp.getKey();
            }
        }
        return null;
    }

    private record OverlapOfRuns(Overlap overlap, BackupActivity a, BackupActivity b) {
    }

    private List<OverlapOfRuns> overlaps(List<BackupActivity> runs, List<JobKey> keys, String[][] sharedBy) {
        final List<OverlapOfRuns> out = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            for (int j = i + 1; j < runs.size(); j++) {
                final BackupActivity a = runs.get(i);
                final BackupActivity b = runs.get(j);
                if (a.end() == null || b.end() == null || key(a).equals(key(b))) {
                    continue;
                }
                final String why = sharedBy[keys.indexOf(key(a))][keys.indexOf(key(b))];
                final Instant from = a.start().isAfter(b.start()) ? a.start() : b.start();
                final Instant to = a.end().isBefore(b.end()) ? a.end() : b.end();
                if (why == null || !from.isBefore(to)) {
                    continue;
                }
                final boolean aFirst = key(a).compareTo(key(b)) <= 0;
                out.add(new OverlapOfRuns(new Overlap(clock.night(from), aFirst ? key(a) : key(b),
                        aFirst ? key(b) : key(a), why, from, to), aFirst ? a : b, aFirst ? b : a));
            }
        }
        out.sort(Comparator.comparing((OverlapOfRuns o) -> o.overlap().from())
                .thenComparing(o -> o.overlap().a()).thenComparing(o -> o.overlap().b()));
        return out;
    }

    /** From the earliest median start to the latest median start plus p95 duration, on the step grid. */
    private static StartWindow todaysSpan(java.util.Collection<JobStats> jobs) {
        if (jobs.isEmpty()) {
            return new StartWindow(NightClock.MIDNIGHT, NightClock.MIDNIGHT);
        }
        int from = Integer.MAX_VALUE;
        int to = Integer.MIN_VALUE;
        for (JobStats s : jobs) {
            from = Math.min(from, s.startMedian());
            to = Math.max(to, s.startMedian() + (int) Math.ceil(s.durationP95().toSeconds() / 60.0));
        }
        from = from / STEP_MINUTES * STEP_MINUTES;
        to = Math.min(NightClock.DAY - 1, (to + STEP_MINUTES - 1) / STEP_MINUTES * STEP_MINUTES);
        return new StartWindow(from, Math.max(from, to));
    }

    private record ProposalAndPairs(Proposal proposal, Map<JobKey, Integer> starts, Map<JobKey, Integer> busy,
                                    Map<JobKey, Set<DayOfWeek>> days) {
        /** Whether the proposal keeps these two jobs apart. */
        boolean separates(JobKey a, JobKey b) {
            if (!starts.containsKey(a) || !starts.containsKey(b)) {
                return false;
            }
            final Set<DayOfWeek> shared = EnumSet.copyOf(days.get(a));
            shared.retainAll(days.get(b));
            return shared.isEmpty()
                    || ScheduleSearch.overlap(starts.get(a), busy.get(a), starts.get(b), busy.get(b)) == 0;
        }
    }

    private ProposalAndPairs propose(List<JobKey> keys, Map<JobKey, JobStats> stats, String[][] sharedBy,
                                     StartWindow window) {
        final List<ScheduleSearch.Slot> slots = new ArrayList<>();
        final Map<JobKey, Integer> busy = new HashMap<>();
        final Map<JobKey, Set<DayOfWeek>> days = new HashMap<>();
        for (JobKey k : keys) {
            final JobStats s = stats.get(k);
            final int minutes = (int) Math.ceil(s.durationP95().plus(settings.coolDown()).toSeconds() / 60.0);
            busy.put(k, minutes);
            days.put(k, s.nightDays());
            slots.add(new ScheduleSearch.Slot(k.toString(), minutes, s.startMedian()));
        }
        final boolean[][] contends = new boolean[keys.size()][keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            for (int j = 0; j < keys.size(); j++) {
                if (i != j && sharedBy[i][j] != null) {
                    // Jobs that never run on the same night never meet.
                    final Set<DayOfWeek> shared = EnumSet.copyOf(days.get(keys.get(i)));
                    shared.retainAll(days.get(keys.get(j)));
                    contends[i][j] = !shared.isEmpty();
                }
            }
        }
        final ScheduleSearch.Result result = ScheduleSearch.search(slots, contends, window.from(), window.to(),
                STEP_MINUTES);
        final List<ProposedStart> starts = new ArrayList<>();
        final Map<JobKey, Integer> startOf = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            final JobStats s = stats.get(keys.get(i));
            final int start = result.starts()[i];
            startOf.put(keys.get(i), start);
            starts.add(new ProposedStart(keys.get(i), start, CalendarEvents.schedule(s.nightDays(), start),
                    s.schedule(), busy.get(keys.get(i))));
        }
        final String sentence;
        if (keys.isEmpty()) {
            sentence = "No backup runs in the period: nothing to schedule.";
        } else if (result.feasible()) {
            sentence = "With these start times no two contending jobs are busy at once, each running its p95 "
                    + "duration plus the " + settings.coolDown().toMinutes() + " min cool-down.";
        } else {
            sentence = "No schedule inside " + window + " keeps the contending jobs apart at p95 duration plus the "
                    + settings.coolDown().toMinutes() + " min cool-down; this one has the least overlap ("
                    + result.overlapMinutes() + " min a night)"
                    + (result.exhaustive() ? "" : " the search found before its budget ran out")
                    + ". Widen --window, split a job, or move a job to another target.";
        }
        return new ProposalAndPairs(new Proposal(starts, result.overlapMinutes(), result.exhaustive(), sentence),
                startOf, busy, days);
    }

    /** The run a backup evidence line names: its describe() text and its start. */
    private static BackupActivity namedRun(List<BackupActivity> runs, Evidence e) {
        BackupActivity covering = null;
        for (BackupActivity r : runs) {
            if (!r.describe().equals(e.getSource())) {
                continue;
            }
            if (e.getTime() != null && r.start().toEpochMilli() == e.getTime().toEpochMilli()) {
                return r;
            }
            // The classifier may have seen the run before its start phase arrived.
            if (e.getTime() != null && !e.getTime().isBefore(r.start()) && (r.end() == null
                    || !e.getTime().isAfter(r.end()))) {
                covering = r;
            }
        }
        return covering;
    }

    private IncidentMark mark(Incident incident, List<BackupActivity> named, List<OverlapOfRuns> overlaps,
                              ProposalAndPairs proposal) {
        final Instant t = incident.getWindowStart();
        Placement placement = named.isEmpty() ? Placement.NONE : Placement.LATER;
        boolean removed = false;
        for (OverlapOfRuns o : overlaps) {
            if ((named.contains(o.a()) || named.contains(o.b())) && !t.isBefore(o.overlap().from())
                    && !t.isAfter(o.overlap().to())) {
                placement = Placement.OVERLAP;
                removed |= proposal.separates(o.overlap().a(), o.overlap().b());
            }
        }
        if (placement != Placement.OVERLAP) {
            for (BackupActivity r : named) {
                if (r.runningAt(t)) {
                    placement = Placement.RUN;
                } else if (placement != Placement.RUN && r.end() != null && t.isAfter(r.end())
                        && !t.isAfter(r.end().plus(settings.coolDown()))) {
                    placement = Placement.COOL_DOWN;
                }
            }
        }
        final int restarts = incident.getPods().stream().mapToInt(PodSummary::getRestarts).sum();
        final boolean backupAttributed = incident.getCategory() == IncidentCategory.BACKUP_IO_CONTENTION;
        return new IncidentMark(incident.getId(), incident.getCluster(), incident.getCategory().name(),
                backupAttributed, t, restarts, named.stream().map(BackupAdvisor::key).distinct().toList(),
                placement, removed);
    }

    private static List<Exposure> exposure(List<IncidentMark> marks) {
        final Map<JobKey, Map<String, int[]>> counts = new TreeMap<>();
        for (IncidentMark m : marks) {
            for (JobKey job : m.jobs()) {
                final int[] c = counts.computeIfAbsent(job, k -> new TreeMap<>())
                        .computeIfAbsent(m.cluster(), k -> new int[5]);
                c[0]++;
                switch (m.placement()) {
                    case OVERLAP -> c[1]++;
                    case RUN -> c[2]++;
                    case COOL_DOWN -> c[3]++;
                    default -> c[4]++;
                }
            }
        }
        final List<Exposure> out = new ArrayList<>();
        counts.forEach((job, byCluster) -> byCluster.forEach((cluster, c) ->
                out.add(new Exposure(job, cluster, c[0], c[1], c[2], c[3], c[4]))));
        return out;
    }

    private static Estimate estimate(List<IncidentMark> marks) {
        int removedRestarts = 0;
        int backupRestarts = 0;
        int removedIncidents = 0;
        int backupIncidents = 0;
        for (IncidentMark m : marks) {
            if (!m.backupAttributed()) {
                continue;
            }
            backupIncidents++;
            backupRestarts += m.restarts();
            if (m.removed()) {
                removedIncidents++;
                removedRestarts += m.restarts();
            }
        }
        return new Estimate(removedRestarts, backupRestarts, removedIncidents, backupIncidents);
    }
}
