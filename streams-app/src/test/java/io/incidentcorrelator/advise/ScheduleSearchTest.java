package io.incidentcorrelator.advise;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScheduleSearchTest {

    private static boolean[][] all(int n) {
        final boolean[][] c = new boolean[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c[i][j] = i != j;
            }
        }
        return c;
    }

    @Test
    void packsContendingJobsBackToBackInTodaysOrder() {
        final List<ScheduleSearch.Slot> jobs = List.of(new ScheduleSearch.Slot("a", 60, 840),
                new ScheduleSearch.Slot("b", 60, 860), new ScheduleSearch.Slot("c", 60, 885));
        final ScheduleSearch.Result r = ScheduleSearch.search(jobs, all(3), 780, 1080, 5);
        assertTrue(r.feasible());
        assertTrue(r.exhaustive());
        // b stays nearest to 860 after a; the least total move is a=800..., checked by construction:
        // any pair of starts is at least 60 minutes apart.
        final int[] s = r.starts();
        for (int i = 0; i < 3; i++) {
            for (int j = i + 1; j < 3; j++) {
                assertTrue(Math.abs(s[i] - s[j]) >= 60, r.toString());
            }
        }
        assertArrayEquals(new int[]{800, 860, 920}, s, "b keeps its time; a and c move 40 and 35 minutes");
        assertEquals(75, r.movedMinutes());
    }

    @Test
    void tooNarrowAWindowLeavesTheLeastOverlap() {
        final List<ScheduleSearch.Slot> jobs = List.of(new ScheduleSearch.Slot("a", 30, 0),
                new ScheduleSearch.Slot("b", 30, 0));
        final ScheduleSearch.Result r = ScheduleSearch.search(jobs, all(2), 0, 20, 5);
        assertFalse(r.feasible());
        assertEquals(10, r.overlapMinutes(), "starts 0 and 20 still share 10 minutes");
    }

    @Test
    void jobsThatDoNotContendKeepTheirStarts() {
        final List<ScheduleSearch.Slot> jobs = List.of(new ScheduleSearch.Slot("a", 90, 840),
                new ScheduleSearch.Slot("b", 90, 840));
        final ScheduleSearch.Result r = ScheduleSearch.search(jobs, new boolean[2][2], 780, 1080, 5);
        assertArrayEquals(new int[]{840, 840}, r.starts());
        assertEquals(0, r.movedMinutes());
    }

    @Test
    void windowParsesAndRefusesWithTheFormat() {
        assertEquals("01:00-06:00", StartWindow.parse("01:00-06:00").toString());
        assertEquals(NightClock.minuteOf(java.time.LocalTime.of(23, 0)), StartWindow.parse("23:00-05:00").from());
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> StartWindow.parse("1am-6am"));
        assertEquals("--window: cannot read '1am-6am'; expected " + StartWindow.FORMAT, bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StartWindow.parse("06:00-01:00"));
        assertThrows(IllegalArgumentException.class, () -> StartWindow.parse("25:00-26:00"));
        final IllegalArgumentException since = assertThrows(IllegalArgumentException.class, () -> SincePeriod.parse("garbage"));
        assertEquals("--since: cannot read 'garbage'; expected " + SincePeriod.FORMAT, since.getMessage());
        assertEquals(java.time.Duration.ofDays(30), SincePeriod.parse("30d").back());
        // A start after the newest data would give a period that ends before it begins.
        final java.time.Instant newest = java.time.Instant.parse("2026-02-26T03:05:00Z");
        final IllegalArgumentException after = assertThrows(IllegalArgumentException.class,
                () -> SincePeriod.parse("2027-01-01").startBefore(newest));
        assertEquals("--since: 2027-01-01T00:00:00Z is after the newest backup phase or incident in the data "
                + "(2026-02-26T03:05:00Z); expected an earlier time or a span like 30d", after.getMessage());
        assertEquals(java.time.Instant.parse("2026-02-01T00:00:00Z"), SincePeriod.parse("2026-02-01").startBefore(newest));
    }

    @Test
    void calendarEventsCompressDayRuns() {
        assertEquals("mon..fri", CalendarEvents.days(java.util.EnumSet.range(java.time.DayOfWeek.MONDAY, java.time.DayOfWeek.FRIDAY)));
        assertEquals("mon,wed,fri", CalendarEvents.days(java.util.EnumSet.of(java.time.DayOfWeek.MONDAY,
                java.time.DayOfWeek.WEDNESDAY, java.time.DayOfWeek.FRIDAY)));
    }
}
