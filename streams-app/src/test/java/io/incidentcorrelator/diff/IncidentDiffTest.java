package io.incidentcorrelator.diff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.diff.IncidentDiff.Change;
import io.incidentcorrelator.diff.IncidentDiff.Kind;
import io.incidentcorrelator.diff.IncidentDiff.MatchedBy;
import io.incidentcorrelator.diff.IncidentDiff.Report;
import io.incidentcorrelator.testsupport.Incidents;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.incidentcorrelator.avro.IncidentCategory.APP_CRASH;
import static io.incidentcorrelator.avro.IncidentCategory.BACKUP_IO_CONTENTION;
import static io.incidentcorrelator.avro.IncidentCategory.OOM_KILLED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IncidentDiffTest {

    private static final String KSM = "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q";
    private static final String SCHEDULER = "kube-system/kube-scheduler-talos-cp-01";

    private static Incident incident(String cluster, IncidentCategory category, String start, int minutes, String... pods) {
        return Incidents.incident(cluster, category, start, minutes, pods);
    }

    @Test
    void theSameIncidentsGiveNoChanges() {
        final List<Incident> incidents = List.of(
                incident("monit", BACKUP_IO_CONTENTION, "2026-02-27T02:50:07Z", 35, KSM),
                incident("prod", OOM_KILLED, "2026-02-27T04:00:00Z", 5, "apps/api-1"));
        final Report report = IncidentDiff.compare(incidents, List.copyOf(incidents));
        assertTrue(report.isEmpty());
        assertEquals(2, report.unchanged());
        assertTrue(DiffReportFormat.text(report).endsWith("No differences.\n"), DiffReportFormat.text(report));
    }

    @Test
    void theSameRestartsUnderANewCategoryAreReclassifiedNotAppearedAndDisappeared() {
        final Incident backup = incident("monit", BACKUP_IO_CONTENTION, "2026-02-27T02:50:07Z", 35, KSM);
        final Incident crash = incident("monit", APP_CRASH, "2026-02-27T02:50:07Z", 35, KSM);

        final Report report = IncidentDiff.compare(List.of(backup), List.of(crash));

        final Change change = only(report);
        assertEquals(Kind.RECLASSIFIED, change.kind());
        assertEquals(MatchedBy.RESTARTS, change.matchedBy());
        assertEquals(List.of("category", "transient"), change.fields());
        assertSame(backup, change.before());
        assertSame(crash, change.after());
        assertEquals("""
                1 incidents before, 1 after: 1 reclassified, 0 changed, 0 appeared, 0 disappeared, 0 unchanged

                RECLASSIFIED  monit.backup-io-contention.20260227T025007Z → monit.app-crash.20260227T025007Z
                    classified: BACKUP_IO_CONTENTION (transient) → APP_CRASH (to act on)
                    pods: monitoring/kube-state-metrics-7d9c6b8f5-x2x8q
                    window: 2026-02-27 02:50–03:25 UTC
                    (matched by cluster, pods and overlapping window: the id changed with the category or first restart)
                """, DiffReportFormat.text(report));
    }

    @Test
    void aSplitIncidentPairsWithTheMostAlikeAndTheRestAppears() {
        // Before: one backup incident of two pods over 35 minutes. After (shorter cool-down): the
        // first restarts stay backup contention, the later ones of one pod become a crash.
        final Incident before = incident("monit", BACKUP_IO_CONTENTION, "2026-02-27T02:50:00Z", 35, KSM, SCHEDULER);
        final Incident early = incident("monit", BACKUP_IO_CONTENTION, "2026-02-27T02:50:00Z", 10, KSM, SCHEDULER);
        final Incident late = incident("monit", APP_CRASH, "2026-02-27T03:15:00Z", 10, KSM);

        final Report report = IncidentDiff.compare(List.of(before), List.of(early, late));

        assertEquals(2, report.changes().size(), report.toString());
        final Change shrunk = report.changes().get(0);
        assertEquals(Kind.CHANGED, shrunk.kind());
        assertEquals(MatchedBy.ID, shrunk.matchedBy());
        assertEquals(List.of("window"), shrunk.fields());
        final Change appeared = report.changes().get(1);
        assertEquals(Kind.APPEARED, appeared.kind());
        assertSame(late, appeared.after());
        assertSame(before, appeared.related(), "where its restarts were before");
        assertTrue(DiffReportFormat.text(report).contains("    its restarts were in "
                + "monit.backup-io-contention.20260227T025000Z (BACKUP_IO_CONTENTION) before\n"), DiffReportFormat.text(report));
    }

    @Test
    void restartsOfAnotherClusterOrTimeAreNotTheSameIncident() {
        final Incident before = incident("monit", BACKUP_IO_CONTENTION, "2026-02-27T02:50:00Z", 35, KSM);
        final Incident otherCluster = incident("prod", APP_CRASH, "2026-02-27T02:50:00Z", 35, KSM);
        final Incident later = incident("monit", APP_CRASH, "2026-02-27T04:00:00Z", 10, KSM);
        final Incident otherPod = incident("monit", APP_CRASH, "2026-02-27T02:55:00Z", 10, SCHEDULER);

        final Report report = IncidentDiff.compare(List.of(before), List.of(otherCluster, later, otherPod));

        assertEquals(1, report.count(Kind.DISAPPEARED));
        assertEquals(3, report.count(Kind.APPEARED));
        assertEquals(0, report.count(Kind.RECLASSIFIED));
    }

    @Test
    void aChangedIncidentListsWhatChanged() throws Exception {
        final Incident before = incident("monit", BACKUP_IO_CONTENTION, "2026-02-27T02:50:07Z", 35, KSM);
        final Incident after = Incident.newBuilder(Incidents.revise(before, IncidentStatus.UPDATED))
                .setTransient$(false).setPods(Incidents.podSummaries(KSM, SCHEDULER)).build();

        final Report report = IncidentDiff.compare(List.of(before), List.of(after));

        final Change change = only(report);
        assertEquals(Kind.CHANGED, change.kind());
        assertEquals(List.of("transient", "pods", "restarts"), change.fields());
        assertTrue(DiffReportFormat.text(report).contains("    pods: + kube-system/kube-scheduler-talos-cp-01\n"),
                DiffReportFormat.text(report));
        assertTrue(DiffReportFormat.text(report).contains("    restarts: 2 → 4\n"), DiffReportFormat.text(report));

        final JsonNode json = new ObjectMapper().readTree(DiffReportFormat.json(report));
        assertEquals(1, json.get("before").asInt());
        assertEquals(1, json.get("counts").get("changed").asInt());
        final JsonNode c = json.get("changes").get(0);
        assertEquals("CHANGED", c.get("kind").asText());
        assertEquals("id", c.get("matchedBy").asText());
        assertEquals("[\"transient\",\"pods\",\"restarts\"]", c.get("fields").toString());
        assertEquals("[\"kube-system/kube-scheduler-talos-cp-01\",\"monitoring/kube-state-metrics-7d9c6b8f5-x2x8q\"]",
                c.get("after").get("pods").toString());
        assertEquals("2026-02-27T02:50:07Z", c.get("before").get("windowStart").asText());
        assertTrue(c.get("before").get("transient").asBoolean());
    }

    @Test
    void onlyTheNewestRevisionOfAnIdCounts() {
        final Incident open = incident("monit", BACKUP_IO_CONTENTION, "2026-02-27T02:50:07Z", 35, KSM);
        final Incident resolved = Incidents.revise(open, IncidentStatus.RESOLVED);
        assertTrue(IncidentDiff.compare(List.of(resolved, open), List.of(resolved)).isEmpty());
    }

    private static Change only(Report report) {
        assertEquals(1, report.changes().size(), report.toString());
        return report.changes().get(0);
    }
}
