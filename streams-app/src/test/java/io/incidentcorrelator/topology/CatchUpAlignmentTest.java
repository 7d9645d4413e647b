package io.incidentcorrelator.topology;

import io.incidentcorrelator.topology.internal.InputWatermark;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CatchUpAlignmentTest {

    private static final long MIN = 60_000;
    /** History: a month before the wall clock below. */
    private static final long T0 = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    private final AtomicLong wallClock = new AtomicLong(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());
    private final CatchUpAlignment alignment = new CatchUpAlignment(Duration.ofMinutes(10), wallClock::get);

    @Test
    void holdsATaskMoreThanTheDriftAheadOfTheSlowestOnceTwoReported() {
        alignment.routed(1, T0 + 600 * MIN);
        assertEquals(Set.of(), alignment.ahead());
        alignment.routed(0, T0);
        alignment.routed(2, T0 + 5 * MIN);
        assertEquals(Set.of(1), alignment.ahead());
    }

    @Test
    void aHeldTaskReadsAgainOnceTheSlowestIsWithinHalfTheDrift() {
        alignment.routed(0, T0);
        alignment.routed(1, T0 + 11 * MIN);
        assertEquals(Set.of(1), alignment.ahead());
        alignment.routed(0, T0 + 2 * MIN);
        assertEquals(Set.of(1), alignment.ahead(), "9 min ahead: within the drift, not within half of it");
        alignment.routed(0, T0 + 6 * MIN);
        assertEquals(Set.of(), alignment.ahead());
        alignment.routed(1, T0 + 15 * MIN);
        assertEquals(Set.of(), alignment.ahead(), "9 min ahead of a task that reads: not held again");
        assertEquals(1, alignment.holds());
    }

    @Test
    void theSlowestTaskIsNeverHeldAndAnIdleTaskHoldsNothingBack() {
        alignment.routed(0, T0);
        alignment.routed(1, T0 + 60 * MIN);
        alignment.routed(2, InputWatermark.IDLE);
        assertEquals(Set.of(1), alignment.ahead());
        alignment.routed(0, InputWatermark.IDLE);
        assertEquals(Set.of(), alignment.ahead(), "the only task that reads is the slowest");
    }

    @Test
    void aHeldTaskThatTurnsIdleStaysWhereItLastReported() {
        alignment.routed(0, T0);
        alignment.routed(1, T0 + 60 * MIN);
        assertEquals(Set.of(1), alignment.ahead());
        // Held, its partitions deliver nothing for idle-after: it says "idle", but it is still an hour ahead.
        alignment.routed(1, InputWatermark.IDLE);
        assertEquals(Set.of(1), alignment.ahead());
        alignment.routed(0, T0 + 56 * MIN);
        assertEquals(Set.of(), alignment.ahead());
    }

    @Test
    void aTaskNearWallClockIsNeverHeld() {
        final long now = wallClock.get();
        alignment.routed(0, now - 120 * MIN);
        alignment.routed(1, now - 5 * MIN);
        assertEquals(Set.of(), alignment.ahead(), "a live restart is not kept from the correlation by a slow partition");
        alignment.routed(1, now - 20 * MIN);
        assertEquals(Set.of(1), alignment.ahead());
    }

    @Test
    void aTaskThatMovedToAnotherInstanceNoLongerCounts() {
        alignment.routed(0, T0);
        alignment.routed(1, T0 + 60 * MIN);
        assertEquals(Set.of(1), alignment.ahead());
        alignment.routerClosed(0);
        assertEquals(Set.of(), alignment.ahead());
    }

    @Test
    void zeroDriftHoldsNothing() {
        final CatchUpAlignment off = new CatchUpAlignment(Duration.ZERO, wallClock::get);
        off.routed(0, T0);
        off.routed(1, T0 + 600 * MIN);
        assertEquals(Set.of(), off.ahead());
    }
}
