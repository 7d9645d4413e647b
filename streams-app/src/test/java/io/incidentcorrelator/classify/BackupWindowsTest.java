package io.incidentcorrelator.classify;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.incidentcorrelator.classify.Events.at;
import static io.incidentcorrelator.classify.Events.backup;
import static org.junit.jupiter.api.Assertions.*;

class BackupWindowsTest {

    private static final Duration COOL_DOWN = Duration.ofMinutes(30);
    private static final Duration MAX = Duration.ofHours(12);

    @Test
    void jobPhasesWithPerGuestPhasesMakeOneRunFromFirstStartToLastEnd() {
        final List<BackupEvent> events = new ArrayList<>(List.of(
                backup("ruapehu", BackupPhase.JOB_START, "02:00", "pihanga", null),
                backup("ruapehu", BackupPhase.BACKUP_START, "02:00", "pihanga", 201),
                backup("ruapehu", BackupPhase.BACKUP_END, "02:11", "pihanga", 201),
                backup("ruapehu", BackupPhase.BACKUP_START, "02:12", "pihanga", 211),
                backup("ruapehu", BackupPhase.BACKUP_END, "02:23", "pihanga", 211),
                backup("ruapehu", BackupPhase.JOB_END, "02:36", "pihanga", null)));
        Collections.shuffle(events, new Random(7));
        final List<BackupActivity> runs = BackupWindows.runs(events);
        assertEquals(1, runs.size());
        assertEquals(at("02:00"), runs.get(0).start());
        assertEquals(at("02:36"), runs.get(0).end());
        assertTrue(runs.get(0).activeAt(at("02:11:30"), COOL_DOWN, MAX), "between two guests the job still runs");
        assertTrue(runs.get(0).activeAt(at("03:06"), COOL_DOWN, MAX));
        assertFalse(runs.get(0).activeAt(at("03:06:01"), COOL_DOWN, MAX));
        assertFalse(runs.get(0).activeAt(at("01:59"), COOL_DOWN, MAX));
    }

    @Test
    void guestPhasesWithoutJobPhasesCloseWhenTheLastGuestEnds() {
        final List<BackupActivity> runs = BackupWindows.runs(List.of(
                backup("pihanga", BackupPhase.BACKUP_START, "02:45", null, 301),
                backup("pihanga", BackupPhase.BACKUP_ABORT, "03:10", null, 301)));
        assertEquals(1, runs.size());
        assertTrue(runs.get(0).aborted());
        assertEquals(at("03:10"), runs.get(0).end());
    }

    @Test
    void theSameJobOnTwoNightsIsTwoRuns() {
        final BackupEvent start1 = backup("ruapehu", BackupPhase.JOB_START, "02:00", "pihanga", null);
        final BackupEvent end1 = backup("ruapehu", BackupPhase.JOB_END, "02:30", "pihanga", null);
        final BackupEvent start2 = BackupEvent.newBuilder(start1).setTime(at("02:00").plus(Duration.ofDays(1))).build();
        final BackupEvent end2 = BackupEvent.newBuilder(end1).setTime(at("02:30").plus(Duration.ofDays(1))).build();
        final List<BackupActivity> runs = BackupWindows.runs(List.of(end2, start1, start2, end1));
        assertEquals(2, runs.size());
        assertFalse(runs.stream().anyMatch(r -> r.activeAt(at("12:00"), COOL_DOWN, MAX)));
    }

    @Test
    void aRunWhoseEndNeverCameStopsCountingAfterTheMaximumDuration() {
        final List<BackupActivity> runs = BackupWindows.runs(List.of(
                backup("ruapehu", BackupPhase.JOB_START, "02:00", "pihanga", null)));
        assertNull(runs.get(0).end());
        assertTrue(runs.get(0).activeAt(at("13:59"), COOL_DOWN, MAX));
        assertFalse(runs.get(0).activeAt(Instant.parse("2026-02-26T14:00:01Z"), COOL_DOWN, MAX));
    }

    @Test
    void jobsOfDifferentSourceHostsWithTheSameJobIdStayApart() {
        final List<BackupActivity> runs = BackupWindows.runs(List.of(
                backup("ruapehu", BackupPhase.JOB_START, "02:20", "pihanga", null),
                backup("pihanga", BackupPhase.JOB_START, "02:45", "pihanga", null),
                backup("ruapehu", BackupPhase.JOB_END, "02:41", "pihanga", null),
                backup("pihanga", BackupPhase.JOB_END, "03:12", "pihanga", null)));
        assertEquals(2, runs.size());
        assertEquals("ruapehu", runs.get(0).sourceHost());
        assertEquals(at("02:41"), runs.get(0).end());
        assertEquals("pihanga", runs.get(1).sourceHost());
        assertEquals("backup-nightly on pihanga → pbs-main on pihanga", runs.get(1).describe());
    }
}
