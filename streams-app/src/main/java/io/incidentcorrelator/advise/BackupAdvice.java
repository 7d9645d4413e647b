package io.incidentcorrelator.advise;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;

/**
 * What {@code correlator advise backups} reports, computed by {@link BackupAdvisor}: plain data,
 * rendered as text by {@link AdviceText} and as JSON by {@link AdviceJson}.
 *
 * @param since             start of the period (inclusive)
 * @param until             end of the period: the newest backup phase or incident seen
 * @param unmatchedEvidence backup evidence of the period's incidents naming no run in the data
 */
public record BackupAdvice(
        Instant since,
        Instant until,
        String zone,
        Duration coolDown,
        StartWindow window,
        boolean windowGiven,
        List<JobStats> jobs,
        List<Overlap> overlaps,
        List<IncidentMark> incidents,
        List<Exposure> exposure,
        Proposal proposal,
        Estimate estimate,
        int unmatchedEvidence) {

    /** A backup job as Proxmox knows it: the job id on the host that runs it. */
    public record JobKey(String sourceHost, String job) implements Comparable<JobKey> {
        @Override
        public int compareTo(JobKey o) {
            final int c = sourceHost.compareTo(o.sourceHost);
            return c != 0 ? c : job.compareTo(o.job);
        }

        @Override
        public String toString() {
            return job + " on " + sourceHost;
        }
    }

    /** One run of a job in the period. {@code end} is null when no end phase was seen. */
    public record Run(JobKey job, LocalDate night, Instant start, Instant end, boolean aborted) {
    }

    /**
     * @param nightsSeen    nights with at least one run
     * @param unfinished    runs whose end phase never came (not in the durations)
     * @param startMedian   minutes on the night's axis ({@link NightClock})
     * @param nightDays     the evenings (night dates' weekdays) the job ran on
     */
    public record JobStats(JobKey key, String storage, String targetHost, int nightsSeen, int runs, int aborts,
                           int unfinished, int startMedian, int startP95, Duration durationMedian,
                           Duration durationP95, Set<DayOfWeek> nightDays, String schedule, List<Run> history) {
    }

    /** Two contending jobs running at once on one night. */
    public record Overlap(LocalDate night, JobKey a, JobKey b, String sharedBy, Instant from, Instant to) {
        public Duration length() {
            return Duration.between(from, to);
        }
    }

    /** Where an incident's first restart fell relative to the backup runs its evidence names. */
    public enum Placement { OVERLAP, RUN, COOL_DOWN, LATER, NONE }

    /**
     * An incident of the period.
     *
     * @param jobs    the jobs its backup evidence names (empty: no backup evidence)
     * @param removed it fell in an overlap the proposal removes
     */
    public record IncidentMark(String id, String cluster, String category, boolean backupAttributed,
                               Instant time, int restarts, List<JobKey> jobs, Placement placement,
                               boolean removed) {
    }

    /** The incidents naming one job, on one cluster, by where they fell. */
    public record Exposure(JobKey job, String cluster, int incidents, int inOverlap, int inRun, int inCoolDown,
                           int later) {
    }

    public record ProposedStart(JobKey job, int start, String schedule, String todaySchedule, int busyMinutes) {
    }

    /**
     * @param overlapMinutes minutes a night contending jobs would still share (0: none)
     * @param exhaustive     false when the search stopped at its budget
     */
    public record Proposal(List<ProposedStart> starts, int overlapMinutes, boolean exhaustive, String sentence) {
        public boolean feasible() {
            return overlapMinutes == 0;
        }
    }

    /** An estimate from the past, not a prediction: backup-attributed restarts in overlaps the proposal removes. */
    public record Estimate(int removedRestarts, int backupRestarts, int removedIncidents, int backupIncidents) {
    }
}
