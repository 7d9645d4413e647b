package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hands the correlation its events in event-time order across every routing task, as a replay on
 * one partition would, whatever the partition count, backlog or timing (docs/architecture.md, "Time").
 *
 * <p>Each of the {@code routingTasks} routing tasks broadcasts its low watermark ({@link InputWatermark})
 * as a progress record. The watermark here is the minimum over all of them; an event is held in
 * {@link AlignBuffer} (over the {@link StoreNames#ALIGN_BUFFER} store) until the watermark passes
 * it, then released in a canonical order: event time, then kind (samples, backups, restarts,
 * clock), then cluster and content, so that which partition or instance read it first changes
 * nothing. An event older than what was already
 * released (a partition that was idle delivers again, an out-of-order producer) cannot be put in its
 * place any more: it is passed on at once, and the correlation corrects the restarts it explains.
 *
 * <p><b>A source that has not started.</b> A routing task counts an input partition it never heard
 * from as idle once {@code idle-after} has passed (an empty partition of a topic whose keys all hash
 * elsewhere must not hold the correlation back). But a whole input (restarts, backups, etcd or
 * memory samples) that no routing task has delivered anything of yet is a collector that has not
 * started, or a topic that is produced after the others: whatever it delivers later may lie
 * anywhere in the history being read. So while one of the four kinds of event has never reached
 * this task and what is read is history (the newest event time received is more than the catch-up
 * {@code horizon} behind wall clock), nothing is released, except up to a clock tick (which promises
 * that every input up to it was produced). As Flink's combined watermark waits for a split that
 * has not emitted one, and as Kafka Streams waits for a partition whose lag is not known to be
 * zero, rather than taking a source that is still to come for an idle one. Live, with events near
 * wall clock, a kind that never comes (no etcd collector) holds nothing back: anything it delivers
 * later is within the horizon, which the correlation corrects.
 *
 * <p><b>Provisional restarts.</b> Live ({@code pending-flush-after}), a restart held that long is
 * passed on ahead of the watermark, with the evidence buffered before it that lies within the
 * horizon of what was released (before anything was released: within the horizon of wall clock):
 * evidence further ahead would move the evidence stores' own retention clock past evidence still
 * to be released in order, and they would silently drop it.
 *
 * <p>Both stores are changelogged: after a crash the task resumes with the same buffer, the same
 * progress per routing task, the same release frontier and the same kinds started, so it releases
 * the same events in the same order.
 */
public final class EventAligner implements Processor<String, CorrelationEvent, String, CorrelationEvent> {

    /** Key in the progress store of the newest event time released. */
    private static final int FRONTIER = -1;
    /** Key in the progress store of the event time last told to the correlation (live mode). */
    private static final int TOLD = -2;
    /** Key in the progress store of the kinds of event received so far (bits by {@link #kind}). */
    private static final int STARTED = -3;
    /** Key in the progress store of the newest clock tick received. */
    private static final int TICKED = -4;
    /** Every data kind (memory, etcd, backups, restarts): bits by {@link #kind}. */
    public static final int ALL_KINDS = 0b1111;

    /** Header of a restart passed on ahead of the watermark (live mode): classify it now, provisionally. */
    public static final String HEADER_PROVISIONAL = "x-incident-correlator-provisional";

    private final int routingTasks;
    private final Serde<CorrelationEvent> events;
    private final Duration flushAfter;
    private final long horizonMs;
    private final long idleAfterMs;
    private final boolean waitForUnstarted;
    /** Per routing task, the kinds its last progress said it reads (not stored: none after a restart). */
    private final Map<Integer, Integer> kindsBy = new HashMap<>();
    /** Per kind, the wall clock it started here; MIN_VALUE: long ago (before this task started). */
    private final long[] startedAt = new long[4];
    /** Per kind, the event time it started at (not stored: a restored task waits for no kind). */
    private final long[] startedTime = new long[4];
    private PunctuationWhileWaiting allowance;
    /**
     * Buffered restarts not yet passed on provisionally → wall clock they arrived (live mode only):
     * an index of the buffer, whose values hold the arrival time, rebuilt from it on init.
     */
    private final Set<AlignBuffer.Entry> waitingRestarts = new LinkedHashSet<>();

    private ProcessorContext<String, CorrelationEvent> context;
    /** Runs {@link #flushWaitingRestarts} every 200 ms while restarts wait (live mode). */
    private PunctuationWhileWaiting flush;
    private AlignBuffer buffer;
    private KeyValueStore<Integer, Long> progress;
    private long frontier = InputWatermark.NONE;
    private long started;
    private long ticked = InputWatermark.NONE;
    /** The newest event time received (released or buffered): whether what is read is history. */
    private long received = InputWatermark.NONE;

    /**
     * @param routingTasks     the routing tasks upstream: the partition count of the input topics
     * @param flushAfter       live mode ({@code pending-flush-after}): a restart held this long in
     *                         wall-clock time is also passed on at once, provisionally; zero: never (replays)
     * @param horizon          the catch-up horizon ({@code grace})
     * @param idleAfter        how long a routing task may not report a kind that has just started
     *                         before its partition of that kind counts as empty; zero: inputs count as
     *                         idle at once (arrival order), and nothing waits for a kind to start
     */
    public EventAligner(int routingTasks, Serde<CorrelationEvent> events, Duration flushAfter, Duration horizon,
                        Duration idleAfter) {
        this.routingTasks = routingTasks;
        this.events = events;
        this.flushAfter = flushAfter;
        this.horizonMs = horizon.toMillis();
        this.idleAfterMs = idleAfter.toMillis();
        this.waitForUnstarted = !idleAfter.isZero();
    }

    @Override
    public void init(ProcessorContext<String, CorrelationEvent> context) {
        this.context = context;
        final KeyValueStore<Bytes, byte[]> store = context.getStateStore(StoreNames.ALIGN_BUFFER);
        this.progress = context.getStateStore(StoreNames.ROUTING_PROGRESS);
        frontier = stored(FRONTIER, InputWatermark.NONE);
        told = stored(TOLD, InputWatermark.NONE);
        started = stored(STARTED, 0);
        Arrays.fill(startedAt, Long.MIN_VALUE);
        ticked = stored(TICKED, InputWatermark.NONE);
        received = frontier;
        waitingRestarts.clear();
        buffer = new AlignBuffer(store, events);
        for (AlignBuffer.Entry e : buffer.all()) {
            received = Math.max(received, e.time);
            if (!flushAfter.isZero() && e.kind == RESTART) {
                waitingRestarts.add(e);
            }
        }
        if (!flushAfter.isZero()) {
            flush = new PunctuationWhileWaiting(context, Duration.ofMillis(200), this::flushWaitingRestarts);
            flushWhileRestartsWait();
        }
        if (waitForUnstarted) {
            // A kind's allowance runs out in wall clock, with no record to notice it.
            allowance = new PunctuationWhileWaiting(context, Duration.ofSeconds(1), now -> {
                releaseAndTell();
                punctuateWhileKindsStart();
            });
        }
    }

    private long stored(int key, long otherwise) {
        final Long value = progress.get(key);
        return value == null ? otherwise : value;
    }

    /** Punctuates when the allowance of a kind that has just started runs out; not at all otherwise. */
    private void punctuateWhileKindsStart() {
        if (allowance == null) {
            return;
        }
        final long now = context.currentSystemTimeMs();
        long until = Long.MAX_VALUE;
        for (long at : startedAt) {
            if (at != Long.MIN_VALUE && now - at < idleAfterMs) {
                until = Math.min(until, at + idleAfterMs);
            }
        }
        allowance.waitingUntil(until);
    }

    private void releaseAndTell() {
        final long watermark = watermark();
        release(watermark);
        if (!flushAfter.isZero()) {
            tellEventTime(watermark);
        }
    }

    /**
     * Live, a restart is the signal an operator waits for: one held longer than {@code flushAfter}
     * behind a slow input is passed on now, provisionally, with every event held up to it (the
     * evidence that did arrive: a restart during a backup is not paged as a crash only because one
     * input lags). The correlation classifies it against that (a provisional revision) and
     * re-classifies it as the rest of its evidence is released; what is passed on early does not
     * move event time.
     *
     * <p>Only up to the catch-up horizon ahead of what was released: what is passed on here is stored
     * as evidence, and the correlation's window stores drop what is more than their retention behind
     * the newest window written. During a catch-up every restart of a backlog arrives within seconds,
     * weeks ahead of the samples; passed on, they and the evidence held up to them would make the
     * samples still to come expire on arrival, and the provisional classifications would stay
     * final. Within the horizon, every event still to come is within the stores' retention.
     */
    private void flushWaitingRestarts(long wallClock) {
        // Restarts and the evidence with them go only as far as the horizon ahead of what was
        // released; before anything was released, only live ones (within the horizon of wall clock).
        final long watermark = watermark();
        final long base = Math.max(Math.max(frontier, told), watermark);
        final long from = base == InputWatermark.NONE ? wallClock - horizonMs : Long.MIN_VALUE;
        final long upToTime = base == InputWatermark.NONE ? wallClock + horizonMs
                : base >= Long.MAX_VALUE - horizonMs ? Long.MAX_VALUE : base + horizonMs;
        AlignBuffer.Entry upTo = null;
        for (AlignBuffer.Entry e : waitingRestarts) {
            if (wallClock - e.arrivedAt >= flushAfter.toMillis() && e.time >= from && e.time <= upToTime
                    && (upTo == null || buffer.compare(e, upTo) > 0)) {
                upTo = e;
            }
        }
        if (upTo == null) {
            return;
        }
        final List<AlignBuffer.Entry> early = new ArrayList<>();
        for (AlignBuffer.Entry e : buffer.upTo(upTo)) {
            if (e.time >= from && e.time <= upToTime) {
                early.add(e);
            }
        }
        for (AlignBuffer.Entry e : early) {
            buffer.release(e);
            waitingRestarts.remove(e);
            final Record<String, CorrelationEvent> record = new Record<>(e.cluster, e.event, e.time);
            record.headers().add(HEADER_PROVISIONAL, new byte[0]);
            context.forward(record);
        }
        flushWhileRestartsWait();
    }

    private void flushWhileRestartsWait() {
        if (flush != null) {
            flush.waiting(!waitingRestarts.isEmpty());
        }
    }

    @Override
    public void process(Record<String, CorrelationEvent> record) {
        final int from = EventRouter.progressFrom(record);
        if (from >= 0) {
            final long reported = ((ClockTick) record.value().getPayload()).getTime().toEpochMilli();
            progress.put(from, reported);
            final int kinds = EventRouter.progressKinds(record);
            kindsBy.put(from, kinds);
            // A kind a routing task reads has started, whether or not any of it came to this task's
            // clusters yet: a cluster with no restart in the first days of a month's backlog held
            // every event of its own until its first restart, 55,000 in the first minute.
            for (int kind = 0; kind < startedAt.length; kind++) {
                if ((kinds & (1 << kind)) != 0) {
                    noteStarted(kind, reported);
                }
            }
            releaseAndTell();
            flushWhileRestartsWait();
            return;
        }
        final long ts = record.timestamp();
        noteReceived(record.value().getPayload(), ts);
        if (frontier != InputWatermark.NONE && ts < frontier) {
            context.forward(record); // behind what was released: the correlation corrects (see class doc)
            return;
        }
        final long watermark = watermark();
        if (buffer.isEmpty() && watermark != InputWatermark.NONE && ts <= watermark) {
            advanceFrontier(ts);
            context.forward(record);
            return;
        }
        // The wall clock it arrived is kept: a restored task flushes a restart when the uninterrupted
        // one would have. The same event twice is buffered once.
        final AlignBuffer.Entry held = buffer.hold(ts, kind(record.value().getPayload()), record.key(), record.value(),
                context.currentSystemTimeMs());
        if (held != null && !flushAfter.isZero() && held.kind == RESTART) {
            waitingRestarts.add(held);
        }
        if (watermark != InputWatermark.NONE && ts <= watermark) {
            release(watermark);
        }
        flushWhileRestartsWait();
    }

    /**
     * Live mode: every input has delivered up to the watermark, so the correlation may take event
     * time as there (a restart it passes is classified now, not after {@code pending-flush-after});
     * evidence stamped the same instant that still comes re-classifies it. Not in replays, where
     * only the released events may decide, so that the output is the same for any partition count.
     */
    private void tellEventTime(long watermark) {
        final long time = watermark == InputWatermark.IDLE ? frontier : watermark;
        if (time == InputWatermark.NONE || time <= told) {
            return;
        }
        told = time;
        progress.put(TOLD, time);
        context.forward(new Record<>(EventRouter.BROADCAST_KEY, new CorrelationEvent(new ClockTick(
                Instant.ofEpochMilli(time + 1))), time + 1));
    }

    private long told = InputWatermark.NONE;

    /** Which kinds have started, the newest tick, and how far event time has been received. */
    private void noteReceived(Object payload, long ts) {
        if (payload instanceof ClockTick) {
            if (ts > ticked) {
                ticked = ts;
                progress.put(TICKED, ts);
            }
            return;
        }
        received = Math.max(received, ts);
        noteStarted(kind(payload), ts);
    }

    /**
     * The kind ({@link #kind}) has reached this task, or a routing task says it reads it, at event time
     * {@code time} or later.
     */
    private void noteStarted(int kind, long time) {
        final int bit = 1 << kind;
        if (kind < startedAt.length && (started & bit) == 0) {
            started |= bit;
            progress.put(STARTED, started);
            startedAt[kind] = context.currentSystemTimeMs();
            startedTime[kind] = time;
            punctuateWhileKindsStart();
        }
    }

    /** The bit of a data event's kind (memory, etcd, backup, restart); 0 for a clock tick. */
    public static int kindBit(Object payload) {
        final byte kind = kind(payload);
        return kind < 4 ? 1 << kind : 0;
    }

    /**
     * The minimum over the routing tasks; NONE until each has reported. While a kind of event has
     * not started and what is read is history, no further than the newest clock tick (class doc).
     */
    private long watermark() {
        long min = InputWatermark.IDLE;
        for (int task = 0; task < routingTasks; task++) {
            final Long reported = progress.get(task);
            if (reported == null) {
                return InputWatermark.NONE;
            }
            min = Math.min(min, reported);
        }
        if (!waitForUnstarted) {
            return min;
        }
        final long now = context.currentSystemTimeMs();
        if ((started & ALL_KINDS) != ALL_KINDS && (received == InputWatermark.NONE || received < now - horizonMs)) {
            return ticked == InputWatermark.NONE ? InputWatermark.NONE : Math.min(min, ticked);
        }
        // A kind that has just started: each routing task reports reading it, or has had idle-after
        // to (its partition of that kind is empty), before the watermark may pass its events. Reading
        // history, also a routing task whose watermark is idle-after of event time past the kind's
        // start: it has not delivered any of it up to there, as Kafka Streams hands a task its records
        // in timestamp order (the history rule of InputWatermark). By wall clock alone, a month's
        // catch-up buffered 30 s of its records here for each kind's start.
        final boolean history = received != InputWatermark.NONE && received < now - horizonMs;
        for (int kind = 0; kind < startedAt.length; kind++) {
            if (startedAt[kind] != Long.MIN_VALUE && now - startedAt[kind] < idleAfterMs) {
                for (int task = 0; task < routingTasks; task++) {
                    final long at = progress.get(task);
                    if ((kindsBy.getOrDefault(task, 0) & (1 << kind)) == 0 && !(history && at != InputWatermark.IDLE
                            && at - idleAfterMs >= startedTime[kind])) {
                        return ticked == InputWatermark.NONE ? InputWatermark.NONE : Math.min(min, ticked);
                    }
                }
            }
        }
        return min;
    }

    private void release(long watermark) {
        if (watermark == InputWatermark.NONE) {
            return;
        }
        for (AlignBuffer.Entry e = buffer.first(); e != null && e.time <= watermark; e = buffer.first()) {
            buffer.release(e);
            waitingRestarts.remove(e);
            advanceFrontier(e.time);
            context.forward(new Record<>(e.cluster, e.event, e.time));
        }
    }

    private static final byte RESTART = 3;

    private void advanceFrontier(long ts) {
        if (ts > frontier) {
            frontier = ts;
            progress.put(FRONTIER, ts);
        }
    }

    /** Evidence first, so that a restart stamped the same instant sees it (as it would in a replay). */
    private static byte kind(Object payload) {
        if (payload instanceof MemorySample) {
            return 0;
        }
        if (payload instanceof EtcdLatencySample) {
            return 1;
        }
        if (payload instanceof BackupEvent) {
            return 2;
        }
        if (payload instanceof PodRestart) {
            return RESTART;
        }
        return 4;
    }
}
