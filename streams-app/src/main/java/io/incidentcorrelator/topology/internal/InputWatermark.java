package io.incidentcorrelator.topology.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The low watermark of one routing task: how far in event time every input partition it reads has
 * delivered. It is the minimum, over the task's data partitions that are not idle, of the newest
 * event time each has delivered. A partition is idle when it has delivered nothing for the
 * {@code idleAfter} allowance of wall-clock time (a collector that is absent, a topic that is
 * empty on this partition): it no longer holds the watermark back until it delivers again.
 * Partitions this task has not heard from count as delivering at the moment the task started, so
 * that a task does not run ahead before every partition had a chance to deliver. A clock tick
 * (the replay's closing tick) promises that every input up to its time has been produced, so it
 * is a floor for the watermark.
 *
 * <p><b>Reading history</b> (the newest event time delivered is more than the catch-up {@code horizon}
 * behind wall clock: a backlog after downtime, an upgrade or a reset), a partition is also idle once
 * the task has delivered, <em>since that partition's last delivery</em>, events stamped {@code idleAfter}
 * of <em>event time</em> past its newest. Kafka Streams hands a task its records in timestamp order
 * across its partitions, waiting for every partition whose lag is not known to be zero
 * ({@code max.task.idle.ms} 0 or more): when it delivers a record stamped t, a partition that has
 * delivered nothing up to t has nothing up to t to deliver. That says nothing about records
 * delivered before the partition's own last one: a topic produced after the others had been read to
 * their end (topic by topic, a collector catching up) delivers history far behind what the others
 * delivered, and must hold the watermark as any partition that delivers does.
 * Without this, a sparse input (restarts, backups) holds the watermark for {@code idleAfter} of
 * <em>wall</em> clock after each of its events, in which a catch-up reads a million records that all
 * wait in the aligner's buffer. The {@code idleAfter} of event time is the tolerance for events out
 * of order within a partition. Live (near wall clock) only the wall-clock rule applies: a live source
 * that is a little late must still be waited for.
 *
 * <p>Plain Java and wall clock passed in: the rule is tested without Kafka.
 */
public final class InputWatermark {

    /** No watermark yet: some partition still holds it back without having delivered anything. */
    public static final long NONE = Long.MIN_VALUE;
    /** Every partition is idle: this task holds nothing back. */
    public static final long IDLE = Long.MAX_VALUE;

    private final long idleAfterMs;
    private final long horizonMs;
    private final int dataPartitions;
    private final long startedAt;
    /** Topic-partition → {newest event time, wall clock, newest event time the others delivered since}. */
    private final Map<String, long[]> byPartition = new HashMap<>();
    private long clockFloor = NONE;
    /** The newest event time any partition delivered. */
    private long newest = NONE;
    /** The event time of the first delivery: partitions not heard from count as having delivered up to it. */
    private long first = NONE;

    /**
     * @param horizon        the catch-up horizon: events further behind wall clock are history
     * @param dataPartitions how many data partitions the task reads (one per data topic)
     * @param startedAt      wall clock when the task started
     */
    public InputWatermark(Duration idleAfter, Duration horizon, int dataPartitions, long startedAt) {
        this.idleAfterMs = Objects.requireNonNull(idleAfter, "idleAfter").toMillis();
        this.horizonMs = Objects.requireNonNull(horizon, "horizon").toMillis();
        this.dataPartitions = dataPartitions;
        this.startedAt = startedAt;
    }

    /** A data record stamped {@code eventTime} was delivered by {@code partition} at {@code wallClock}. */
    public void delivered(String partition, long eventTime, long wallClock) {
        final long[] state = byPartition.computeIfAbsent(partition, p -> new long[] {NONE, wallClock, NONE});
        for (long[] other : byPartition.values()) {
            other[2] = Math.max(other[2], eventTime);
        }
        state[0] = Math.max(state[0], eventTime);
        state[1] = wallClock;
        state[2] = NONE;
        newest = Math.max(newest, eventTime);
        if (first == NONE) {
            first = eventTime;
        }
    }

    /** A clock tick stamped {@code time}. */
    public void ticked(long time) {
        clockFloor = Math.max(clockFloor, time);
    }

    /** The newest clock tick's time: every input up to it was produced; {@link #NONE} before the first. */
    public long clockFloor() {
        return clockFloor;
    }

    /**
     * The earliest wall clock after {@code now} at which {@link #at} may change without any input (a partition turns
     * idle, the start's allowance ends), or {@link Long#MAX_VALUE} when only input can change it.
     */
    public long nextChangeAt(long now) {
        long next = Long.MAX_VALUE;
        if (byPartition.size() < dataPartitions && now - startedAt < idleAfterMs) {
            next = startedAt + idleAfterMs;
        }
        for (long[] state : byPartition.values()) {
            final long idleAt = state[1] + idleAfterMs;
            if (idleAt > now) {
                next = Math.min(next, idleAt);
            }
        }
        return next;
    }

    /** The watermark at wall clock {@code now}: {@link #NONE}, {@link #IDLE} or an event time. */
    public long at(long now) {
        return at(now, true);
    }

    /**
     * @param byEventTime whether the history rule (class doc) may apply: not while the task holds
     *                    events for the inventory, whose release it cannot see coming
     */
    public long at(long now, boolean byEventTime) {
        final boolean history = byEventTime && newest != NONE && newest < now - horizonMs;
        if (byPartition.size() < dataPartitions && now - startedAt < idleAfterMs
                && !(history && newest - first >= idleAfterMs)) {
            return clockFloor; // a partition not heard from yet may still deliver anything
        }
        long min = IDLE;
        for (long[] state : byPartition.values()) {
            if (now - state[1] < idleAfterMs && !(history && state[2] != NONE && state[2] - state[0] >= idleAfterMs)) {
                min = Math.min(min, state[0]);
            }
        }
        return min == IDLE ? IDLE : Math.max(min, clockFloor);
    }
}
