package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Judges each event against the correlation's event time and the catch-up horizon ({@code grace}):
 * evidence further behind than that can no longer change an incident reliably and goes to the late
 * dead-letter path, with the reason in the {@link DeadLetterProcessor#HEADER_REASON} header (visible,
 * not silently dropped); a restart that far behind is still correlated, and counted. Ticks of the
 * replay clock are never late.
 *
 * <p>Event time is the newest time this task has let through, kept in the {@link CorrelationClock}
 * (changelogged) so that a restored task resumes where it stood, not the task's stream time, which
 * counts events the aligner still holds. It only judges ({@link Lateness}): the topology splits on
 * the verdict, so where late events go is visible there, not hidden in a forward by child name.
 */
public final class LateRecordGate implements Processor<String, CorrelationEvent, String, Lateness.Judged> {

    private final Duration grace;
    private ProcessorContext<String, Lateness.Judged> context;
    private CorrelationClock clock;
    private long eventTime = Long.MIN_VALUE;

    public LateRecordGate(Duration grace) {
        this.grace = Objects.requireNonNull(grace, "grace");
    }

    @Override
    public void init(ProcessorContext<String, Lateness.Judged> context) {
        this.context = context;
        this.clock = CorrelationClock.of(context);
        this.eventTime = clock.get(CorrelationClock.EVENT_TIME);
    }

    @Override
    public void process(Record<String, CorrelationEvent> record) {
        if (record.headers().lastHeader(EventAligner.HEADER_PROVISIONAL) != null) {
            // Passed on ahead of the watermark: it must not move event time, or the evidence
            // still held before it would all look late.
            forward(record, Lateness.ON_TIME);
            return;
        }
        final long ts = record.timestamp();
        final Object payload = record.value().getPayload();
        // A restart is the primary signal: never dropped for being late, it is classified against
        // the evidence stored for its time. Evidence beyond the catch-up horizon can no longer be
        // stored next to what it explains: dead-lettered and counted.
        final boolean beyondHorizon = eventTime != Long.MIN_VALUE && ts < eventTime - grace.toMillis();
        if (beyondHorizon && payload instanceof PodRestart) {
            forward(record, Lateness.RESTART_BEYOND_HORIZON);
            return;
        }
        if (beyondHorizon && !(payload instanceof ClockTick)) {
            record.headers().remove(DeadLetterProcessor.HEADER_REASON);
            record.headers().add(DeadLetterProcessor.HEADER_REASON,
                    reason(payload, ts, eventTime, grace).getBytes(StandardCharsets.UTF_8));
            forward(record, Lateness.EVIDENCE_BEYOND_HORIZON);
            return;
        }
        if (ts > eventTime) {
            eventTime = ts;
            clock.put(CorrelationClock.EVENT_TIME, ts);
        }
        forward(record, Lateness.ON_TIME);
    }

    private void forward(Record<String, CorrelationEvent> record, Lateness lateness) {
        context.forward(record.withValue(new Lateness.Judged(record.value(), lateness)));
    }

    static String reason(Object payload, long timestamp, long eventTime, Duration grace) {
        return "late: " + (payload == null ? "record" : payload.getClass().getSimpleName()) + " stamped "
                + Instant.ofEpochMilli(timestamp) + " is more than the grace " + grace + " behind event time "
                + Instant.ofEpochMilli(eventTime);
    }
}
