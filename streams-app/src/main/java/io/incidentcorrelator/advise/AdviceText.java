package io.incidentcorrelator.advise;

import io.incidentcorrelator.advise.BackupAdvice.Exposure;
import io.incidentcorrelator.advise.BackupAdvice.JobStats;
import io.incidentcorrelator.advise.BackupAdvice.Overlap;
import io.incidentcorrelator.advise.BackupAdvice.ProposedStart;

import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The advice as a person reads it: tables, then the proposal and the estimate. */
public final class AdviceText {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT);

    private AdviceText() {
    }

    public static String render(BackupAdvice a) {
        final StringBuilder out = new StringBuilder();
        final ZoneId zone = ZoneId.of(a.zone());
        out.append("Backups from ").append(a.since()).append(" to ").append(a.until())
                .append(" (times of day in ").append(a.zone()).append(")\n\n");

        out.append("JOBS\n");
        final List<String[]> jobs = new ArrayList<>();
        jobs.add(new String[]{"SOURCE", "JOB", "TARGET", "NIGHTS", "START MEDIAN", "START P95", "DURATION MEDIAN",
                "DURATION P95", "ABORTS", "NO END", "SCHEDULE TODAY"});
        for (JobStats s : a.jobs()) {
            jobs.add(new String[]{s.key().sourceHost(), s.key().job(),
                    (s.storage() == null ? "?" : s.storage()) + " on " + (s.targetHost() == null ? "?" : s.targetHost()),
                    String.valueOf(s.nightsSeen()), NightClock.hhmm(s.startMedian()), NightClock.hhmm(s.startP95()),
                    minutes(s.durationMedian()), minutes(s.durationP95()), String.valueOf(s.aborts()),
                    String.valueOf(s.unfinished()), s.schedule()});
        }
        table(out, jobs);

        out.append("\nOVERLAPS (contending jobs running at once)\n");
        if (a.overlaps().isEmpty()) {
            out.append("none\n");
        } else {
            final List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"NIGHT", "JOBS", "SHARED", "FROM", "TO", "MINUTES"});
            for (Overlap o : a.overlaps()) {
                rows.add(new String[]{o.night().toString(), o.a() + " + " + o.b(), o.sharedBy(),
                        TIME.format(o.from().atZone(zone)), TIME.format(o.to().atZone(zone)), minutes(o.length())});
            }
            table(out, rows);
        }

        out.append("\nEXPOSURE (incidents whose evidence names the job, by where their first restart fell)\n");
        if (a.exposure().isEmpty()) {
            out.append("none\n");
        } else {
            final List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"JOB", "CLUSTER", "INCIDENTS", "IN OVERLAP", "SINGLE RUN", "COOL-DOWN", "LATER"});
            for (Exposure e : a.exposure()) {
                rows.add(new String[]{e.job().toString(), e.cluster(), String.valueOf(e.incidents()),
                        String.valueOf(e.inOverlap()), String.valueOf(e.inRun()), String.valueOf(e.inCoolDown()),
                        String.valueOf(e.later())});
            }
            table(out, rows);
        }
        if (a.unmatchedEvidence() > 0) {
            out.append(a.unmatchedEvidence()).append(" backup evidence line(s) name runs not in the backup data\n");
        }

        if (a.jobs().isEmpty()) {
            // No job, so no span the jobs use today to name.
            out.append("\nPROPOSAL\n");
        } else {
            out.append("\nPROPOSAL (start times inside ").append(a.window())
                    .append(a.windowGiven() ? "" : ", the span the jobs use today")
                    .append("; busy = p95 duration + ").append(a.coolDown().toMinutes()).append(" min cool-down)\n");
            final List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"SOURCE", "JOB", "SCHEDULE TODAY", "PROPOSED SCHEDULE", "BUSY"});
            for (ProposedStart p : a.proposal().starts()) {
                rows.add(new String[]{p.job().sourceHost(), p.job().job(), p.todaySchedule(), p.schedule(),
                        p.busyMinutes() + " min"});
            }
            table(out, rows);
        }
        out.append(a.proposal().sentence()).append('\n');

        final BackupAdvice.Estimate e = a.estimate();
        out.append("\nESTIMATE (from the past, not a prediction): ").append(e.removedRestarts()).append(" of the period's ")
                .append(e.backupRestarts()).append(" backup-attributed ").append(e.backupRestarts() == 1 ? "restart" : "restarts")
                .append(" (").append(e.removedIncidents()).append(" of ").append(e.backupIncidents())
                .append(e.backupIncidents() == 1 ? " incident)" : " incidents)")
                .append(" happened during overlaps the proposal removes.\n");
        return out.toString();
    }

    static String minutes(Duration d) {
        final long s = d.toSeconds();
        return (s / 60) + (s % 60 == 0 ? "" : String.format(Locale.ROOT, ".%d", (s % 60) * 10 / 60)) + " min";
    }

    private static void table(StringBuilder out, List<String[]> rows) {
        final int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            final StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
