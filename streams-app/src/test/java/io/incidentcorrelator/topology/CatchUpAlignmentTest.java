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
    void holdsNothingUntilEveryRoutingTaskReported() {
        alignment.routed(0, 3, T0);
        alignment.routed(1, 3, T0 + 600 * MIN);
        assertEquals(Set.of(), alignment.ahead());
        alignment.routed(2, 3, T0 + 5 * MIN);
        assertEquals(Set.of(1), alignment.ahead());
    }

    @Test
    void aHeldTaskReadsAgainOnceTheSlowestIsWithinHalfTheDrift() {
        alignment.routed(0, 2, T0);
        alignment.routed(1, 2, T0 + 11 * MIN);
        assertEquals(Set.of(1), alignment.ahead());
        alignment.routed(0, 2, T0 + 2 * MIN);
        assertEquals(Set.of(1), alignment.ahead(), "9 min ahead: within the drift, not within half of it");
        alignment.routed(0, 2, T0 + 6 * MIN);
        assertEquals(Set.of(), alignment.ahead());
        alignment.routed(1, 2, T0 + 15 * MIN);
        assertEquals(Set.of(), alignment.ahead(), "9 min ahead of a task that reads: not held again");
        assertEquals(1, alignment.holds());
    }

    @Test
    void theSlowestTaskIsNeverHeldAndAnIdleTaskHoldsNothingBack() {
        alignment.routed(0, 3, T0);
        alignment.routed(1, 3, T0 + 60 * MIN);
        alignment.routed(2, 3, InputWatermark.IDLE);
        assertEquals(Set.of(1), alignment.ahead());
        alignment.routed(0, 3, InputWatermark.IDLE);
        assertEquals(Set.of(), alignment.ahead(), "the only task that reads is the slowest");
    }

    @Test
    void aHeldTaskThatTurnsIdleStaysWhereItLastReported() {
        alignment.routed(0, 2, T0);
        alignment.routed(1, 2, T0 + 60 * MIN);
        assertEquals(Set.of(1), alignment.ahead());
        // Held, its partitions deliver nothing for idle-after: it says "idle", but it is still an hour ahead.
        alignment.routed(1, 2, InputWatermark.IDLE);
        assertEquals(Set.of(1), alignment.ahead());
        alignment.routed(0, 2, T0 + 56 * MIN);
        assertEquals(Set.of(), alignment.ahead());
    }

    @Test
    void aTaskNearWallClockIsNeverHeld() {
        final long now = wallClock.get();
        alignment.routed(0, 2, now - 120 * MIN);
        alignment.routed(1, 2, now - 5 * MIN);
        assertEquals(Set.of(), alignment.ahead(), "a live restart is not kept from the correlation by a slow partition");
        alignment.routed(1, 2, now - 20 * MIN);
        assertEquals(Set.of(1), alignment.ahead());
    }

    @Test
    void aTaskOfThisInstanceIsJudgedByItsOwnWordAnotherByTheCorrelations() {
        alignment.relayed(0, 2, T0);
        alignment.relayed(1, 2, T0 + 60 * MIN);
        assertEquals(Set.of(1), alignment.ahead());
        // Routing task 1 runs here and has just sent a lower watermark (a partition back from idle).
        alignment.routed(1, 2, T0 + 3 * MIN);
        assertEquals(Set.of(), alignment.ahead());
        alignment.routerClosed(1);
        assertEquals(Set.of(1), alignment.ahead(), "moved elsewhere: the correlation's word again");
    }

    @Test
    void zeroDriftOrOneRoutingTaskHoldsNothing() {
        final CatchUpAlignment off = new CatchUpAlignment(Duration.ZERO, wallClock::get);
        off.routed(0, 2, T0);
        off.routed(1, 2, T0 + 600 * MIN);
        assertEquals(Set.of(), off.ahead());
        alignment.routed(0, 1, T0);
        assertEquals(Set.of(), alignment.ahead());
    }
}
