package io.incidentcorrelator.bench;

import io.incidentcorrelator.avro.Evidence;
import io.incidentcorrelator.avro.EvidenceKind;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.testsupport.Incidents;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionComparisonTest {

    /** With an evidence time: an optional Instant, which Avro's generic equality cannot compare. */
    private static final Incident BACKUP = Incident.newBuilder(Incidents.incident("prod",
                    IncidentCategory.BACKUP_IO_CONTENTION, "2026-01-05T01:10:00Z", 20,
                    "kube-system/kube-scheduler-prod-cp-1"))
            .setEvidence(List.of(new Evidence(EvidenceKind.BACKUP, "vzdump backup-nightly on pve-a", null, null, null,
                    Instant.parse("2026-01-05T01:02:00Z"), "VM 101 backing up to pbs-main")))
            .build();
    private static final Incident CRASH = Incidents.incident("lab", IncidentCategory.APP_CRASH,
            "2026-01-05T11:00:00Z", 5, "apps/api-lab-1");
    private static final Incident OOM = Incidents.incident("prod", IncidentCategory.APP_CRASH,
            "2026-01-05T15:00:00Z", 5, "monitoring/loki-0");

    private static Map<String, Incident> byId(Incident... incidents) {
        return Stream.of(incidents).collect(Collectors.toMap(Incident::getId, Function.identity()));
    }

    @Test
    void theSameNewestRevisionsAreEqualWhateverTheRevisionNumber() {
        final Incident resolvedLater = Incidents.revise(Incidents.revise(BACKUP, IncidentStatus.RESOLVED),
                IncidentStatus.RESOLVED);
        final PartitionComparison c = PartitionComparison.of(byId(Incidents.revise(BACKUP, IncidentStatus.RESOLVED),
                CRASH), byId(resolvedLater, CRASH));

        assertTrue(c.equal(), c.line(3));
        assertEquals("incidents on 3 partitions against 1 partition: equal (2 of 2)", c.line(3));
    }

    @Test
    void lostExtraAndDifferentAreCountedAndNamed() {
        final Incident stillOpen = BACKUP;
        final PartitionComparison c = PartitionComparison.of(byId(Incidents.revise(BACKUP, IncidentStatus.RESOLVED),
                CRASH), byId(stillOpen, OOM));

        assertFalse(c.equal());
        assertEquals(List.of(CRASH.getId()), c.lost());
        assertEquals(List.of(OOM.getId()), c.extra());
        assertEquals(List.of(BACKUP.getId()), c.different());
        assertEquals("incidents on 3 partitions against 1 partition: NOT equal: 1 lost, 1 extra, 1 different"
                + " (2 incidents against 2); lost e.g. " + CRASH.getId() + "; extra e.g. " + OOM.getId()
                + "; different e.g. " + BACKUP.getId(), c.line(3));
    }
}
