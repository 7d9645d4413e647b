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
 * Sends each event either on to the correlation or, when it is further behind event time than the
 * grace, to the late dead-letter path with the reason in the {@link DeadLetterProcessor#HEADER_REASON}
 * header: such an event can no longer change an incident reliably, but it must be visible, not
 * silently dropped. Ticks of the replay clock are never late.
 *
 * <p>Event time is the newest time this task has let through, kept in the {@link CorrelationClock}
 * (changelogged) so that a restored task resumes where it stood, not the task's stream time, which
 * counts events the aligner still holds. Forwards by child name because the two paths have
 * different value types further down.
 */
public final class LateRecordGate implements Processor<String, CorrelationEvent, String, CorrelationEvent> {

    private final Duration grace;
    private final String onTime;
    private final String late;
    private ProcessorContext<String, CorrelationEvent> context;
    private CorrelationClock clock;
    private io.incidentcorrelator.metrics.CorrelatorMetrics metrics;
    private long eventTime = Long.MIN_VALUE;

    /**
     * @param onTime name of the child processor for events within the grace
     * @param late   name of the child processor for late events
     */
    public LateRecordGate(Duration grace, String onTime, String late) {
        this.grace = Objects.requireNonNull(grace, "grace");
        this.onTime = Objects.requireNonNull(onTime, "onTime");
        this.late = Objects.requireNonNull(late, "late");
    }

    @Override
    public void init(ProcessorContext<String, CorrelationEvent> context) {
        this.context = context;
        this.clock = CorrelationClock.of(context);
        this.metrics = io.incidentcorrelator.metrics.CorrelatorMetrics.from(context.appConfigs());
        this.eventTime = clock.get(CorrelationClock.EVENT_TIME);
    }

    @Override
    public void process(Record<String, CorrelationEvent> record) {
        if (record.headers().lastHeader(EventAligner.HEADER_PROVISIONAL) != null) {
            // Passed on ahead of the watermark: it must not move event time, or the evidence
            // still held before it would all look late.
            context.forward(record, onTime);
            return;
        }
        final long ts = record.timestamp();
        final Object payload = record.value().getPayload();
        // A restart is the primary signal: never dropped for being late, it is classified against
        // the evidence stored for its time. Evidence beyond the catch-up horizon can no longer be
        // stored next to what it explains: dead-lettered and counted.
        final boolean beyondHorizon = eventTime != Long.MIN_VALUE && ts < eventTime - grace.toMillis();
        if (beyondHorizon && payload instanceof PodRestart) {
            metrics.restartBeyondHorizon();
        }
        if (beyondHorizon && !(payload instanceof ClockTick) && !(payload instanceof PodRestart)) {
            record.headers().remove(DeadLetterProcessor.HEADER_REASON);
            record.headers().add(DeadLetterProcessor.HEADER_REASON,
                    reason(payload, ts, eventTime, grace).getBytes(StandardCharsets.UTF_8));
            context.forward(record, late);
            return;
        }
        if (ts > eventTime) {
            eventTime = ts;
            clock.put(CorrelationClock.EVENT_TIME, ts);
        }
        context.forward(record, onTime);
    }

    static String reason(Object payload, long timestamp, long eventTime, Duration grace) {
        return "late: " + (payload == null ? "record" : payload.getClass().getSimpleName()) + " stamped "
                + Instant.ofEpochMilli(timestamp) + " is more than the grace " + grace + " behind event time "
                + Instant.ofEpochMilli(eventTime);
    }
}
