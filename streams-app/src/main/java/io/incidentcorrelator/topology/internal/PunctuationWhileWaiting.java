package io.incidentcorrelator.topology.internal;

import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.ProcessorContext;

import java.time.Duration;

/**
 * A wall-clock punctuation that is scheduled only while its processor has something waiting for the clock.
 *
 * <p>Kafka Streams marks a task as needing a commit after every punctuation, also one that did nothing, and with
 * exactly-once every commit is a transaction (the offsets again, the commit markers: several requests, log appends
 * and the broker's group and transaction coordinators). A punctuation scheduled for the task's lifetime made an idle
 * box commit a few transactions a second, most of its idle CPU (docs/performance.md, "The always-on box").
 * Punctuating only while waiting changes no output: the punctuator finds nothing to do while nothing waits.
 */
final class PunctuationWhileWaiting {

    private final ProcessorContext<?, ?> context;
    private final Duration interval;
    private final Punctuator punctuator;
    private Cancellable scheduled;
    private long scheduledInterval;
    /** Wall clock of the scheduled punctuation's next run. */
    private long dueAt;

    PunctuationWhileWaiting(ProcessorContext<?, ?> context, Duration interval, Punctuator punctuator) {
        this.context = context;
        this.interval = interval;
        this.punctuator = punctuator;
    }

    /**
     * Call after every change to what waits: schedules the punctuation when something does (its first run one
     * interval from now), cancels it when nothing does. Cancelling from within the punctuator is allowed.
     */
    void waiting(boolean anything) {
        if (anything) {
            waitingUntil(Long.MIN_VALUE);
        } else {
            cancel();
        }
    }

    /**
     * Nothing waits before wall clock {@code time} (the earliest something may change without input): the next run
     * is then, but at least one interval from now, unless one is already due by then. {@link Long#MIN_VALUE}: every
     * interval; {@link Long#MAX_VALUE}: nothing waits.
     */
    void waitingUntil(long time) {
        if (time == Long.MAX_VALUE) {
            cancel();
            return;
        }
        final long now = context.currentSystemTimeMs();
        final long interval = Math.max(this.interval.toMillis(), time == Long.MIN_VALUE ? 0 : time - now);
        final long base = this.interval.toMillis();
        // Kept: the same cadence, or a longer one due by then (it runs early and its punctuator asks again).
        if (scheduled != null && (scheduledInterval == interval || (scheduledInterval > base && dueAt <= now + interval))) {
            return;
        }
        cancel();
        scheduled = context.schedule(Duration.ofMillis(interval), PunctuationType.WALL_CLOCK_TIME, t -> {
            dueAt = t + scheduledInterval;
            punctuator.punctuate(t);
        });
        scheduledInterval = interval;
        dueAt = now + interval;
    }

    private void cancel() {
        if (scheduled != null) {
            scheduled.cancel();
            scheduled = null;
        }
    }
}
