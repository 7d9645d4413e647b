package io.incidentcorrelator.advise;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.incidentcorrelator.advise.BackupAdvice.Exposure;
import io.incidentcorrelator.advise.BackupAdvice.IncidentMark;
import io.incidentcorrelator.advise.BackupAdvice.JobKey;
import io.incidentcorrelator.advise.BackupAdvice.JobStats;
import io.incidentcorrelator.advise.BackupAdvice.Overlap;
import io.incidentcorrelator.advise.BackupAdvice.ProposedStart;
import io.incidentcorrelator.advise.BackupAdvice.Run;

import java.time.DayOfWeek;
import java.time.Instant;

/**
 * The advice as JSON, for {@code --json} and the web view's {@code /api/backups}. Instants are
 * ISO-8601 strings and epoch milliseconds ({@code ...Ms}, what the page draws with); times of
 * day are {@code HH:MM} in the report's zone; durations are seconds.
 */
public final class AdviceJson {

    private AdviceJson() {
    }

    public static ObjectNode toJson(BackupAdvice a) {
        final NightClock clock = new NightClock(java.time.ZoneId.of(a.zone()));
        final JsonNodeFactory f = JsonNodeFactory.instance;
        final ObjectNode out = f.objectNode();
        instant(out, "since", a.since());
        instant(out, "until", a.until());
        out.put("zone", a.zone()).put("coolDownSeconds", a.coolDown().toSeconds())
                .put("window", a.window().toString()).put("windowGiven", a.windowGiven());
        final ArrayNode jobs = out.putArray("jobs");
        for (JobStats s : a.jobs()) {
            final ObjectNode j = key(jobs.addObject(), s.key());
            j.put("storage", s.storage()).put("targetHost", s.targetHost()).put("nightsSeen", s.nightsSeen())
                    .put("runs", s.runs()).put("aborts", s.aborts()).put("unfinished", s.unfinished())
                    .put("startMedian", NightClock.hhmm(s.startMedian())).put("startP95", NightClock.hhmm(s.startP95()))
                    .put("durationMedianSeconds", s.durationMedian().toSeconds())
                    .put("durationP95Seconds", s.durationP95().toSeconds()).put("schedule", s.schedule());
            final ArrayNode days = j.putArray("nightDays");
            s.nightDays().stream().map(DayOfWeek::name).forEach(days::add);
            final ArrayNode runs = j.putArray("runs");
            for (Run r : s.history()) {
                final ObjectNode run = runs.addObject().put("night", r.night().toString());
                instant(run, "start", r.start());
                instant(run, "end", r.end());
                run.put("aborted", r.aborted());
                minutes(clock, run, r.night(), r.start(), r.end());
            }
        }
        final ArrayNode overlaps = out.putArray("overlaps");
        for (Overlap o : a.overlaps()) {
            final ObjectNode n = overlaps.addObject().put("night", o.night().toString());
            key(n.putObject("a"), o.a());
            key(n.putObject("b"), o.b());
            n.put("sharedBy", o.sharedBy());
            instant(n, "from", o.from());
            instant(n, "to", o.to());
            n.put("seconds", o.length().toSeconds());
            minutes(clock, n, o.night(), o.from(), o.to());
        }
        final ArrayNode incidents = out.putArray("incidents");
        for (IncidentMark m : a.incidents()) {
            final ObjectNode n = incidents.addObject().put("id", m.id()).put("cluster", m.cluster())
                    .put("category", m.category()).put("backupAttributed", m.backupAttributed());
            instant(n, "time", m.time());
            n.put("night", clock.night(m.time()).toString());
            minutes(clock, n, clock.night(m.time()), m.time(), null);
            n.put("restarts", m.restarts()).put("placement", m.placement().name()).put("removedByProposal", m.removed());
            final ArrayNode named = n.putArray("jobs");
            m.jobs().forEach(k -> key(named.addObject(), k));
        }
        final ArrayNode exposure = out.putArray("exposure");
        for (Exposure e : a.exposure()) {
            key(exposure.addObject(), e.job()).put("cluster", e.cluster()).put("incidents", e.incidents())
                    .put("inOverlap", e.inOverlap()).put("inRun", e.inRun()).put("inCoolDown", e.inCoolDown())
                    .put("later", e.later());
        }
        final ObjectNode proposal = out.putObject("proposal");
        proposal.put("feasible", a.proposal().feasible()).put("overlapMinutes", a.proposal().overlapMinutes())
                .put("exhaustive", a.proposal().exhaustive()).put("sentence", a.proposal().sentence());
        final ArrayNode starts = proposal.putArray("jobs");
        for (ProposedStart p : a.proposal().starts()) {
            key(starts.addObject(), p.job()).put("start", NightClock.hhmm(p.start()))
                    .put("startMinuteOfNight", p.start()).put("schedule", p.schedule())
                    .put("todaySchedule", p.todaySchedule()).put("busyMinutes", p.busyMinutes());
        }
        final BackupAdvice.Estimate e = a.estimate();
        out.putObject("estimate").put("kind", "estimate from the past, not a prediction")
                .put("removedRestarts", e.removedRestarts()).put("backupRestarts", e.backupRestarts())
                .put("removedIncidents", e.removedIncidents()).put("backupIncidents", e.backupIncidents());
        out.put("unmatchedEvidence", a.unmatchedEvidence());
        return out;
    }

    /** Where on its night's axis (minutes from noon) a span lies, for drawing. */
    private static void minutes(NightClock clock, ObjectNode n, java.time.LocalDate night, Instant from, Instant to) {
        final long noon = clock.at(night, 0).getEpochSecond();
        n.put("fromMinute", (from.getEpochSecond() - noon) / 60.0);
        if (to != null) {
            n.put("toMinute", (to.getEpochSecond() - noon) / 60.0);
        }
    }

    private static ObjectNode key(ObjectNode n, JobKey k) {
        return n.put("sourceHost", k.sourceHost()).put("job", k.job());
    }

    private static void instant(ObjectNode n, String name, Instant t) {
        if (t == null) {
            n.putNull(name);
            n.putNull(name + "Ms");
        } else {
            n.put(name, t.toString());
            n.put(name + "Ms", t.toEpochMilli());
        }
    }
}
