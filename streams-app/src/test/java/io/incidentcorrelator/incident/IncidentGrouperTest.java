package io.incidentcorrelator.incident;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.avro.Severity;
import io.incidentcorrelator.avro.internal.ClassifiedRestart;
import io.incidentcorrelator.classify.Events;
import io.incidentcorrelator.replay.IncidentJsonWriter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.incidentcorrelator.classify.Events.at;
import static org.junit.jupiter.api.Assertions.*;

class IncidentGrouperTest {

    private final IncidentGrouper grouper = new IncidentGrouper(Duration.ofMinutes(30));

    static ClassifiedRestart classified(String cluster, String pod, String hhmm, IncidentCategory category) {
        final PodRestart r = Events.restart(cluster, pod, "talos-cp-01", hhmm).setMessage(Events.LEADER_LOST_LOCAL).build();
        return ClassifiedRestart.newBuilder()
                .setRestart(r)
                .setHost("ruapehu")
                .setClassified(true)
                .setCategory(category)
                .setTransient$(category == IncidentCategory.BACKUP_IO_CONTENTION)
                .setConfidence(0.9)
                .setNotes(new ArrayList<>(List.of("host:ruapehu", "host:pihanga", "leader-election-lost", "backup-running")))
                .build();
    }

    @Test
    void restartsOfOneClusterAndCategoryWithinTheGapFormOneIncident() {
        final List<Incident> incidents = grouper.group("prod", List.of(
                classified("prod", "kube-scheduler-talos-cp-01", "02:23:12", IncidentCategory.BACKUP_IO_CONTENTION),
                classified("prod", "kube-controller-manager-talos-cp-01", "02:24:03", IncidentCategory.BACKUP_IO_CONTENTION),
                classified("prod", "kube-scheduler-talos-cp-01", "02:50", IncidentCategory.BACKUP_IO_CONTENTION)));
        assertEquals(1, incidents.size());
        final Incident i = incidents.get(0);
        assertEquals("prod.backup-io-contention.20260226T022312Z", i.getId());
        assertEquals(at("02:23:12"), i.getWindowStart());
        assertEquals(at("02:50"), i.getWindowEnd());
        assertEquals(List.of("kube-controller-manager-talos-cp-01", "kube-scheduler-talos-cp-01"),
                i.getPods().stream().map(PodSummary::getPod).toList());
        assertEquals(2, i.getPods().get(1).getRestarts());
        assertEquals(List.of("pihanga", "ruapehu"), i.getHosts());
        assertTrue(i.getTransient$());
        assertEquals(Severity.INFO, i.getSeverity());
        assertTrue(i.getSummary().startsWith("kube-controller-manager-talos-cp-01 and kube-scheduler-talos-cp-01 on cluster prod restarted 3 times between 2026-02-26 02:23 and 02:50 UTC while"),
                i.getSummary());
        assertTrue(i.getRecommendedActions().stream().anyMatch(a -> a.contains("leaseDuration 30s")), "lease action");
        assertTrue(i.getRecommendedActions().stream().anyMatch(a -> a.startsWith("Stagger the backup jobs")));
    }

    @Test
    void aGapLongerThanTheGroupingGapStartsANewIncident() {
        final List<Incident> incidents = grouper.group("monit", List.of(
                classified("monit", "ksm-7d9c6-x2x8q", "02:50", IncidentCategory.BACKUP_IO_CONTENTION),
                classified("monit", "ksm-7d9c6-x2x8q", "03:25", IncidentCategory.BACKUP_IO_CONTENTION)));
        assertEquals(2, incidents.size(), "35 minutes apart with a 30 minute gap");
    }

    @Test
    void categoriesAndClustersNeverShareAnIncident() {
        final List<ClassifiedRestart> all = List.of(
                classified("monit", "loki-0", "02:52", IncidentCategory.OOM_KILLED),
                classified("monit", "grafana-5f7b9c-abcde", "02:55", IncidentCategory.BACKUP_IO_CONTENTION),
                classified("prod", "kube-scheduler-talos-cp-01", "02:53", IncidentCategory.BACKUP_IO_CONTENTION));
        final List<Incident> monit = grouper.group("monit", all);
        assertEquals(2, monit.size());
        assertEquals(List.of(IncidentCategory.OOM_KILLED, IncidentCategory.BACKUP_IO_CONTENTION),
                monit.stream().map(Incident::getCategory).toList());
        assertTrue(monit.stream().allMatch(i -> i.getCluster().equals("monit")));
    }

    @Test
    void theResultDoesNotDependOnTheOrderRestartsArrivedIn() {
        final List<ClassifiedRestart> restarts = new ArrayList<>();
        for (int m = 0; m < 50; m += 7) {
            restarts.add(classified("prod", "kube-scheduler-talos-cp-01", String.format("02:%02d", m),
                    IncidentCategory.BACKUP_IO_CONTENTION));
            restarts.add(classified("prod", "app-6c8d9-qwert", String.format("14:%02d", m), IncidentCategory.APP_CRASH));
        }
        final List<String> expected = lines(grouper.group("prod", restarts));
        for (int seed = 0; seed < 5; seed++) {
            final List<ClassifiedRestart> shuffled = new ArrayList<>(restarts);
            Collections.shuffle(shuffled, new Random(seed));
            assertEquals(expected, lines(grouper.group("prod", shuffled)));
        }
    }

    private static List<String> lines(List<Incident> incidents) {
        return incidents.stream().map(IncidentJsonWriter::toLine).toList();
    }

    @Test
    void lifecycleOpensUpdatesAndResolvesWithRevisions() {
        final IncidentLifecycle lifecycle = new IncidentLifecycle(Duration.ofMinutes(30));
        final Incident first = grouper.group("prod", List.of(
                classified("prod", "kube-scheduler-talos-cp-01", "02:23", IncidentCategory.BACKUP_IO_CONTENTION))).get(0);

        final List<Incident> opened = lifecycle.next(null, first, at("02:24"));
        assertEquals(1, opened.size());
        assertEquals(IncidentStatus.OPEN, opened.get(0).getStatus());
        assertEquals(1, opened.get(0).getRevision());

        assertTrue(lifecycle.next(opened.get(0), first, at("02:30")).isEmpty(), "nothing changed, nothing emitted");

        final Incident grown = grouper.group("prod", List.of(
                classified("prod", "kube-scheduler-talos-cp-01", "02:23", IncidentCategory.BACKUP_IO_CONTENTION),
                classified("prod", "kube-controller-manager-talos-cp-01", "02:40", IncidentCategory.BACKUP_IO_CONTENTION))).get(0);
        final List<Incident> updated = lifecycle.next(opened.get(0), grown, at("02:41"));
        assertEquals(List.of(IncidentStatus.UPDATED), updated.stream().map(Incident::getStatus).toList());
        assertEquals(2, updated.get(0).getRevision());
        assertEquals(first.getId(), updated.get(0).getId());

        assertNull(lifecycle.resolveIfQuiet(updated.get(0), at("03:09:59")));
        final Incident resolved = lifecycle.resolveIfQuiet(updated.get(0), at("03:10"));
        assertEquals(IncidentStatus.RESOLVED, resolved.getStatus());
        assertEquals(3, resolved.getRevision());
    }
}
