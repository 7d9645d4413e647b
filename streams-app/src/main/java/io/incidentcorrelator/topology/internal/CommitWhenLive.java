package io.incidentcorrelator.topology.internal;

import org.apache.kafka.streams.processor.api.ProcessorContext;

import java.time.Duration;

/**
 * Asks Kafka Streams to commit at once after a record someone is waiting for: a restart on its way to
 * the correlation, or an incident revision. With exactly-once, what a task writes is visible only once
 * its transaction commits, so without this a restart would wait for the commit interval twice (the
 * routing task's, then the correlating task's). Live, that interval is a second: under a homelab's
 * trickle of samples every record was its own transaction at 100 ms (docs/performance.md, "The
 * always-on box"), and the samples can wait; a restart cannot.
 *
 * <p>Only for live records (event time within the catch-up horizon of wall clock): a replay or a
 * catch-up commits on its interval, as before.
 */
final class CommitWhenLive {

    private final ProcessorContext<?, ?> context;
    private final long horizonMs;

    CommitWhenLive(ProcessorContext<?, ?> context, Duration horizon) {
        this.context = context;
        this.horizonMs = horizon.toMillis();
    }

    void after(long eventTime) {
        if (eventTime >= context.currentSystemTimeMs() - horizonMs) {
            context.commit();
        }
    }
}
