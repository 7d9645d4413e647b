package io.incidentcorrelator.topology;

import io.incidentcorrelator.topology.internal.InputWatermark;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Which routing tasks of this instance ran too far ahead of the slowest in event time while history
 * is read, so that their input partitions are not fetched until it catches up (docs/architecture.md,
 * "Catching up").
 *
 * <p>Kafka Streams gives each task of a stream thread the same number of records per turn, not the
 * same span of event time. The contract's keys spread a homelab's history unevenly (a month: 3.0 M,
 * 2.0 M and 1.6 M records on three partitions), so in a catch-up the lighter routing tasks ran ahead,
 * and the correlation held everything past the slowest task's watermark in its buffer
 * ({@code events-awaiting-watermark}). As Flink's watermark alignment (FLIP-182, FLIP-217) pauses the
 * splits whose watermark is more than a maximum drift ahead of the group's, a routing task whose
 * input watermark is more than {@code maxDrift} ahead of the minimum over this instance's routing
 * tasks is held back until the minimum is within half of it.
 *
 * <p>Why it cannot stall: the slowest task is never held, and its input watermark moves as it reads
 * its own partitions or as they turn idle by wall clock; nothing else (the inventory, a tick, another
 * instance) has to arrive first. A task whose partitions are all idle holds nothing back; a held task
 * that turns idle (its partitions delivered nothing for {@code idle-after}) stands where it last
 * reported. Only history is held back: a task within {@code maxDrift} of wall clock reads on, so a
 * live restart is never kept from the correlation by a slow partition. Holding back changes when
 * records are read, never what the correlation decides: that is the watermark's rule, whatever the
 * order of arrival.
 *
 * <p>The routing tasks tell it their input watermark ({@link #routed}); the stream threads' main
 * consumers ({@code AligningConsumer}) ask {@link #ahead()} after each poll.
 */
public final class CatchUpAlignment {

    /** Key of the instance in the Streams properties; processors read it from {@code context.appConfigs()}. */
    public static final String CONFIG_KEY = "incident-correlator.catch-up-alignment";

    private final long maxDriftMs;
    private final LongSupplier wallClock;
    /** Per routing task of this instance, its input watermark ({@link InputWatermark#IDLE} included). */
    private final Map<Integer, Long> routed = new HashMap<>();
    /** Per routing task, the last input watermark it told that was not "idle": where a held task stands. */
    private final Map<Integer, Long> position = new HashMap<>();
    private Set<Integer> held = Set.of();
    private long holds;

    /** @param maxDrift how far a routing task may run ahead of the slowest; zero: never held back */
    public CatchUpAlignment(Duration maxDrift) {
        this(maxDrift, System::currentTimeMillis);
    }

    CatchUpAlignment(Duration maxDrift, LongSupplier wallClock) {
        this.maxDriftMs = maxDrift.toMillis();
        this.wallClock = wallClock;
    }

    /** The instance under {@link #CONFIG_KEY}, or null (the topology test driver, a unit test). */
    public static CatchUpAlignment from(Map<?, ?> configs) {
        final Object value = configs == null ? null : configs.get(CONFIG_KEY);
        return value instanceof CatchUpAlignment a ? a : null;
    }

    /** A routing task of this instance tells its input watermark (an event time or {@link InputWatermark#IDLE}). */
    public synchronized void routed(int task, long watermark) {
        if (watermark == InputWatermark.NONE) {
            return;
        }
        routed.put(task, watermark);
        if (watermark != InputWatermark.IDLE) {
            position.put(task, watermark);
        }
    }

    /** A routing task of this instance closed (moved to another instance, or the app stops). */
    public synchronized void routerClosed(int task) {
        routed.remove(task);
        position.remove(task);
    }

    /** The routing tasks (by partition number) whose input partitions are not to be fetched now. */
    public synchronized Set<Integer> ahead() {
        if (maxDriftMs <= 0 || routed.size() < 2) {
            return release();
        }
        long min = InputWatermark.IDLE;
        for (long w : routed.values()) {
            min = Math.min(min, w);
        }
        if (min == InputWatermark.IDLE) {
            return release();
        }
        final long history = wallClock.getAsLong() - maxDriftMs;
        final Set<Integer> ahead = new HashSet<>();
        for (Map.Entry<Integer, Long> task : routed.entrySet()) {
            // The slowest task's position is its watermark, so it is never held: the minimum moves on.
            final long at = task.getValue() != InputWatermark.IDLE ? task.getValue()
                    : position.getOrDefault(task.getKey(), InputWatermark.NONE);
            final long allowed = min + (held.contains(task.getKey()) ? maxDriftMs / 2 : maxDriftMs);
            if (at != InputWatermark.NONE && at > allowed && at < history) {
                ahead.add(task.getKey());
            }
        }
        if (!ahead.equals(held)) {
            holds += ahead.stream().filter(t -> !held.contains(t)).count();
            held = Set.copyOf(ahead);
        }
        return held;
    }

    private Set<Integer> release() {
        held = Set.of();
        return held;
    }

    /** How many routing tasks are held back now. */
    public synchronized int heldTasks() {
        return held.size();
    }

    /** How many times a routing task was held back since the start. */
    public synchronized long holds() {
        return holds;
    }
}
