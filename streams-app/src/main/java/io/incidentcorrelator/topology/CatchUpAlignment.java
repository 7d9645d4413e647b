package io.incidentcorrelator.topology;

import io.incidentcorrelator.topology.internal.InputWatermark;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Which routing tasks ran too far ahead of the slowest in event time while history is read, so that
 * their input partitions are not fetched until it catches up (docs/architecture.md, "Catching up").
 *
 * <p>Kafka Streams gives each task of a stream thread the same number of records per turn, not the
 * same span of event time. The contract's keys spread a homelab's history unevenly (a month: 3.0 M,
 * 2.0 M and 1.6 M records on three partitions), so in a catch-up the lighter routing tasks ran days
 * ahead, and the correlation held everything past the slowest task's watermark in its buffer
 * ({@code events-awaiting-watermark}): 330,000 events, a heap of 256 MiB in back-to-back full
 * collections. As Flink's watermark alignment (FLIP-182, FLIP-217) pauses the splits whose
 * watermark is more than a maximum drift ahead of the group's, a routing task whose watermark is
 * more than {@code maxDrift} ahead of the minimum over all routing tasks is held back until the
 * minimum is within half of it.
 *
 * <p>Only history is held back: a task whose watermark is within {@code maxDrift} of wall clock reads
 * on, so a live restart is never kept from the correlation by a slow partition. The slowest task is
 * never held, so the minimum always moves on; a task whose partitions are all idle holds nothing back
 * (as in the correlation's own minimum). A held task reports "idle" once its partitions have
 * delivered nothing for {@code idle-after}: where it stands is what it reported last before that.
 * Nothing is decided until every routing task has reported.
 *
 * <p>The routing tasks of this instance tell it their watermark as they send it ({@link #routed});
 * the correlation tasks tell it what they received from every routing task, this instance's or
 * another's ({@link #relayed}). The main consumer ({@code AligningConsumer}) asks {@link #ahead()}
 * after each poll. Holding back changes when records are read, never what the correlation decides:
 * that is the watermark's rule, whatever the order of arrival.
 */
public final class CatchUpAlignment {

    /** Key of the instance in the Streams properties; processors read it from {@code context.appConfigs()}. */
    public static final String CONFIG_KEY = "incident-correlator.catch-up-alignment";

    private final long maxDriftMs;
    private final LongSupplier wallClock;
    private int routingTasks;
    /** Watermarks sent by this instance's routing tasks. */
    private final Map<Integer, Long> routed = new HashMap<>();
    /** Watermarks the correlation tasks received (of every routing task, here or elsewhere). */
    private final Map<Integer, Long> relayed = new HashMap<>();
    /** Per routing task, the last watermark in {@link #routed} or {@link #relayed} that was not "idle". */
    private final Map<Integer, Long> lastRouted = new HashMap<>();
    private final Map<Integer, Long> lastRelayed = new HashMap<>();
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
    public static CatchUpAlignment from(Map<String, ?> configs) {
        final Object value = configs == null ? null : configs.get(CONFIG_KEY);
        return value instanceof CatchUpAlignment a ? a : null;
    }

    /** A routing task of this instance sent its watermark ({@link InputWatermark#IDLE} included). */
    public synchronized void routed(int task, int routingTasks, long watermark) {
        note(routed, lastRouted, task, routingTasks, watermark);
    }

    /** A routing task of this instance closed (moved to another instance, or the app stops). */
    public synchronized void routerClosed(int task) {
        routed.remove(task);
        lastRouted.remove(task);
    }

    /** A correlation task of this instance received a routing task's watermark. */
    public synchronized void relayed(int task, int routingTasks, long watermark) {
        note(relayed, lastRelayed, task, routingTasks, watermark);
    }

    private void note(Map<Integer, Long> into, Map<Integer, Long> last, int task, int tasks, long watermark) {
        if (watermark == InputWatermark.NONE) {
            return;
        }
        routingTasks = Math.max(routingTasks, tasks);
        into.put(task, watermark);
        if (watermark != InputWatermark.IDLE) {
            last.put(task, watermark);
        }
    }

    /** The routing tasks (by partition number) whose input partitions are not to be fetched now. */
    public synchronized Set<Integer> ahead() {
        if (maxDriftMs <= 0 || routingTasks <= 1) {
            return Set.of();
        }
        // The newest word of each task: its own if it routes here, else the correlation's.
        long min = InputWatermark.IDLE;
        final long[] position = new long[routingTasks];
        for (int task = 0; task < routingTasks; task++) {
            final boolean here = routed.containsKey(task);
            final Long w = here ? routed.get(task) : relayed.get(task);
            if (w == null) {
                return release();
            }
            min = Math.min(min, w);
            // The slowest task's position is its watermark, so it is never held: the minimum moves on.
            position[task] = w != InputWatermark.IDLE ? w
                    : (here ? lastRouted : lastRelayed).getOrDefault(task, InputWatermark.NONE);
        }
        if (min == InputWatermark.IDLE) {
            return release();
        }
        final long history = wallClock.getAsLong() - maxDriftMs;
        final Set<Integer> ahead = new HashSet<>();
        for (int task = 0; task < routingTasks; task++) {
            final long at = position[task];
            final long allowed = min + (held.contains(task) ? maxDriftMs / 2 : maxDriftMs);
            if (at != InputWatermark.NONE && at > allowed && at < history) {
                ahead.add(task);
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
