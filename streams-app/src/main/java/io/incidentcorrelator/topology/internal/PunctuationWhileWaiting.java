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
        if (anything && scheduled == null) {
            scheduled = context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, punctuator);
        } else if (!anything && scheduled != null) {
            scheduled.cancel();
            scheduled = null;
        }
    }
}
