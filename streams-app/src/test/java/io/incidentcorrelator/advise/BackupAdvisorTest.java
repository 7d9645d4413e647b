package io.incidentcorrelator.advise;

import io.incidentcorrelator.advise.BackupAdvice.JobKey;
import io.incidentcorrelator.advise.BackupAdvice.JobStats;
import io.incidentcorrelator.advise.BackupAdvice.ProposedStart;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.serde.AvroClassTrust;
import org.junit.jupiter.api.Test;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The schedule search and the job statistics on hand-made histories. */
class BackupAdvisorTest {

    static {
        AvroClassTrust.trustGeneratedClasses();
    }

    private static final LocalDate FIRST = LocalDate.of(2026, 3, 2); // a Monday
    private static final Duration COOL_DOWN = Duration.ofMinutes(30);

    /** Job {@code job} on {@code host} to {@code target}: one run per night from {@code FIRST}. */
    private record JobSpec(String host, String job, String target, int startMinuteOfDay,
                           java.util.function.IntUnaryOperator minutesOnNight, IntPredicate runsOnNight,
                           IntPredicate abortsOnNight) {
    }

    private static List<BackupEvent> history(int nights, JobSpec... jobs) {
        final List<BackupEvent> events = new ArrayList<>();
        for (int n = 0; n < nights; n++) {
            final LocalDate day = FIRST.plusDays(n);
            for (JobSpec j : jobs) {
                if (!j.runsOnNight().test(n)) {
                    continue;
                }
                // Starts after midnight belong to the night of the evening before.
                final java.time.Instant start = day.plusDays(j.startMinuteOfDay() < 12 * 60 ? 1 : 0)
                        .atStartOfDay(ZoneOffset.UTC).toInstant().plus(Duration.ofMinutes(j.startMinuteOfDay()));
                final java.time.Instant end = start.plus(Duration.ofMinutes(j.minutesOnNight().applyAsInt(n)));
                final boolean abort = j.abortsOnNight().test(n);
                events.add(event(j, BackupPhase.JOB_START, start, null));
                events.add(event(j, abort ? BackupPhase.JOB_ABORT : BackupPhase.JOB_END, end, abort ? "interrupted" : "ok"));
            }
        }
        return events;
    }

    private static BackupEvent event(JobSpec j, BackupPhase phase, java.time.Instant t, String status) {
        return BackupEvent.newBuilder().setHost(j.host()).setJobId(j.job()).setPhase(phase).setStorage("store-" + j.target())
                .setTargetHost(j.target()).setStatus(status).setTime(t).build();
    }

    private static JobSpec daily(String host, String target, String hhmm, int minutes) {
        return new JobSpec(host, "backup-nightly", target, minute(hhmm), n -> minutes, n -> true, n -> false);
    }

    private static int minute(String hhmm) {
        return Integer.parseInt(hhmm.substring(0, 2)) * 60 + Integer.parseInt(hhmm.substring(3));
    }

    private static BackupAdvice advise(List<BackupEvent> events, List<NodePlacement> inventory, String window) {
        return new BackupAdvisor(new BackupAdvisor.Settings(SincePeriod.parse("30d"),
                window == null ? null : StartWindow.parse(window), ZoneOffset.UTC, COOL_DOWN))
                .advise(new BackupHistory(events, inventory, List.of(), List.of()));
    }

    private static Map<String, ProposedStart> byHost(BackupAdvice advice) {
        return advice.proposal().starts().stream().collect(Collectors.toMap(p -> p.job().sourceHost(), p -> p));
    }

    /** Minutes a night the proposal leaves contending jobs busy together, recomputed here. */
    private static int proposedOverlap(BackupAdvice advice) {
        final List<ProposedStart> starts = advice.proposal().starts();
        int overlap = 0;
        for (int i = 0; i < starts.size(); i++) {
            for (int j = i + 1; j < starts.size(); j++) {
                final JobStats a = stats(advice, starts.get(i).job());
                final JobStats b = stats(advice, starts.get(j).job());
                final java.util.Set<DayOfWeek> shared = java.util.EnumSet.copyOf(a.nightDays());
                shared.retainAll(b.nightDays());
                if (a.targetHost().equals(b.targetHost()) && !shared.isEmpty()) {
                    final int aEnd = starts.get(i).start() + starts.get(i).busyMinutes();
                    final int bEnd = starts.get(j).start() + starts.get(j).busyMinutes();
                    overlap += Math.max(0, Math.min(aEnd, bEnd) - Math.max(starts.get(i).start(), starts.get(j).start()));
                }
            }
        }
        return overlap;
    }

    private static JobStats stats(BackupAdvice advice, JobKey key) {
        return advice.jobs().stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow();
    }

    @Test
    void feasibleProposalLeavesNoOverlapAtP95() {
        // The homelab's stagger: 20 minutes apart, but each job runs 35-50 minutes into one PBS host.
        final List<BackupEvent> events = history(10,
                new JobSpec("hikurangi", "backup-nightly", "pihanga", minute("02:00"), n -> 35 + n % 3, n -> true, n -> false),
                new JobSpec("ruapehu", "backup-nightly", "pihanga", minute("02:20"), n -> 40 + (n == 9 ? 10 : 0), n -> true, n -> false),
                new JobSpec("pihanga", "backup-nightly", "pihanga", minute("02:45"), n -> 30, n -> true, n -> false));
        final BackupAdvice advice = advise(events, List.of(), "01:00-06:00");

        assertFalse(advice.overlaps().isEmpty(), "today's stagger overlaps");
        assertTrue(advice.proposal().feasible(), advice.proposal().sentence());
        assertEquals(0, proposedOverlap(advice));
        // Busy = p95 + cool-down: 37 + 30, 50 + 30, 30 + 30 (p95 of ten nights is the 10th value).
        assertEquals(67, byHost(advice).get("hikurangi").busyMinutes());
        assertEquals(80, byHost(advice).get("ruapehu").busyMinutes());
        assertEquals(60, byHost(advice).get("pihanga").busyMinutes());
        for (ProposedStart p : advice.proposal().starts()) {
            assertTrue(p.start() >= NightClock.minuteOf(java.time.LocalTime.of(1, 0))
                    && p.start() <= NightClock.minuteOf(java.time.LocalTime.of(6, 0)), p.toString());
            assertTrue(p.schedule().matches("\\d\\d:\\d\\d"), "daily jobs get a plain time: " + p.schedule());
        }
        assertTrue(advice.proposal().sentence().startsWith("With these start times no two contending jobs"));
        // The least change: the search keeps today's order and moves the jobs as little as it can.
        final ScheduleSearch.Result brute = bruteForce(advice, NightClock.minuteOf(java.time.LocalTime.of(1, 0)),
                NightClock.minuteOf(java.time.LocalTime.of(6, 0)));
        assertEquals(0, brute.overlapMinutes());
        final int moved = advice.proposal().starts().stream()
                .mapToInt(p -> Math.abs(p.start() - stats(advice, p.job()).startMedian())).sum();
        assertEquals(brute.movedMinutes(), moved);
    }

    @Test
    void infeasibleWindowGivesTheLeastOverlapAndSaysSo() {
        final List<BackupEvent> events = history(7,
                daily("hikurangi", "pihanga", "02:00", 40),
                daily("ruapehu", "pihanga", "02:20", 40),
                daily("pihanga", "pihanga", "02:45", 40));
        final BackupAdvice advice = advise(events, List.of(), "02:00-02:45");

        assertFalse(advice.proposal().feasible());
        assertTrue(advice.proposal().exhaustive());
        assertTrue(advice.proposal().sentence().startsWith("No schedule inside 02:00-02:45 keeps the contending jobs apart"),
                advice.proposal().sentence());
        final ScheduleSearch.Result brute = bruteForce(advice, NightClock.minuteOf(java.time.LocalTime.of(2, 0)),
                NightClock.minuteOf(java.time.LocalTime.of(2, 45)));
        assertTrue(brute.overlapMinutes() > 0);
        assertEquals(brute.overlapMinutes(), advice.proposal().overlapMinutes());
        assertEquals(brute.overlapMinutes(), proposedOverlap(advice));
        assertTrue(advice.proposal().sentence().contains("(" + brute.overlapMinutes() + " min a night)"));
    }

    @Test
    void aJobThatSometimesAbortsCountsItsAbortsAndTheirRealDuration() {
        // Every third night the job aborts after 90 minutes (a PBS timeout): the host was busy that long.
        final List<BackupEvent> events = history(12,
                new JobSpec("ruapehu", "backup-nightly", "pihanga", minute("02:00"), n -> n % 3 == 1 ? 90 : 30,
                        n -> true, n -> n % 3 == 1));
        final BackupAdvice advice = advise(events, List.of(), null);
        final JobStats s = advice.jobs().get(0);
        assertEquals(12, s.nightsSeen());
        assertEquals(4, s.aborts());
        assertEquals(Duration.ofMinutes(30), s.durationMedian());
        assertEquals(Duration.ofMinutes(90), s.durationP95());
        assertEquals(120, byHost(advice).get("ruapehu").busyMinutes());
        assertEquals("02:00", s.schedule());
    }

    @Test
    void jobsOnDifferentNightsMayShareAStartTime() {
        // Weekdays one job, weekends the other, both into pihanga: they never meet.
        final IntPredicate weekday = n -> FIRST.plusDays(n).getDayOfWeek().getValue() <= 5;
        final List<BackupEvent> events = history(28,
                new JobSpec("ruapehu", "backup-weekdays", "pihanga", minute("02:00"), n -> 60, weekday, n -> false),
                new JobSpec("hikurangi", "backup-weekend", "pihanga", minute("02:00"), n -> 60, weekday.negate(), n -> false));
        final BackupAdvice advice = advise(events, List.of(), "01:00-06:00");

        assertEquals(20, stats(advice, new JobKey("ruapehu", "backup-weekdays")).nightsSeen());
        assertEquals(8, stats(advice, new JobKey("hikurangi", "backup-weekend")).nightsSeen());
        assertTrue(advice.overlaps().isEmpty());
        assertTrue(advice.proposal().feasible());
        // Nights are the evenings before: a Monday-evening night starts on Tuesday at 02:00.
        assertEquals("tue..sat 02:00", byHost(advice).get("ruapehu").schedule());
        assertEquals("mon,sun 02:00", byHost(advice).get("hikurangi").schedule());
        assertEquals(0, advice.proposal().starts().stream()
                .mapToInt(p -> Math.abs(p.start() - stats(advice, p.job()).startMedian())).sum(), "nothing to move");
    }

    @Test
    void jobsOnDifferentTargetHostsOverlapFreely() {
        // Control-plane nodes of different clusters: no shared etcd.
        final BackupAdvice advice = twoTargetsAt0200("lab");

        assertTrue(advice.overlaps().isEmpty());
        assertTrue(advice.proposal().feasible());
        assertEquals("02:00", byHost(advice).get("ruapehu").schedule());
        assertEquals("02:00", byHost(advice).get("hikurangi").schedule());
    }

    @Test
    void hostsHoldingOneClustersControlPlaneContend() {
        final BackupAdvice advice = twoTargetsAt0200("prod");

        assertEquals(7, advice.overlaps().size());
        assertEquals("control plane of cluster prod", advice.overlaps().get(0).sharedBy());
        assertEquals(Duration.ofMinutes(60), advice.overlaps().get(0).length());
        assertTrue(advice.proposal().feasible());
        final Map<String, ProposedStart> p = byHost(advice);
        assertEquals(90, Math.abs(p.get("ruapehu").start() - p.get("hikurangi").start()), "60 min + 30 min cool-down apart");
    }

    /** ruapehu and hikurangi back up to different targets at 02:00; ruapehu holds prod's control plane. */
    private static BackupAdvice twoTargetsAt0200(String hikurangiCluster) {
        final List<BackupEvent> events = history(7,
                daily("ruapehu", "pbs-a", "02:00", 60),
                daily("hikurangi", "pbs-b", "02:00", 60));
        final List<NodePlacement> inventory = List.of(
                placement("prod", "cp-1", "ruapehu", "control-plane"),
                placement(hikurangiCluster, "cp-2", "hikurangi", "control-plane"));
        return advise(events, inventory, "01:00-06:00");
    }

    private static NodePlacement placement(String cluster, String node, String host, String role) {
        return NodePlacement.newBuilder().setCluster(cluster).setNode(node).setHost(host).setRole(role).build();
    }

    /** Every schedule on the 5 minute grid, all jobs contending (one target host): least overlap, then least moved. */
    private static ScheduleSearch.Result bruteForce(BackupAdvice advice, int from, int to) {
        final List<ProposedStart> jobs = advice.proposal().starts();
        final int n = jobs.size();
        final int slots = (to - from) / BackupAdvisor.STEP_MINUTES + 1;
        int bestOverlap = Integer.MAX_VALUE;
        int bestMoved = Integer.MAX_VALUE;
        int[] best = null;
        final int[] idx = new int[n];
        while (true) {
            final int[] starts = new int[n];
            int overlap = 0;
            int moved = 0;
            for (int i = 0; i < n; i++) {
                starts[i] = from + idx[i] * BackupAdvisor.STEP_MINUTES;
                moved += Math.abs(starts[i] - stats(advice, jobs.get(i).job()).startMedian());
            }
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    overlap += Math.max(0, Math.min(starts[i] + jobs.get(i).busyMinutes(), starts[j] + jobs.get(j).busyMinutes())
                            - Math.max(starts[i], starts[j]));
                }
            }
            if (overlap < bestOverlap || (overlap == bestOverlap && moved < bestMoved)) {
                bestOverlap = overlap;
                bestMoved = moved;
                best = starts;
            }
            int k = 0;
            while (k < n && ++idx[k] == slots) {
                idx[k++] = 0;
            }
            if (k == n) {
                break;
            }
        }
        return new ScheduleSearch.Result(best, bestOverlap, bestMoved, true);
    }
}
