package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.metrics.CorrelatorMetrics;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Turns an event that was rejected (invalid, or later than the grace) into a dead-letter record:
 * the event as JSON, and headers saying why and where it came from, so nothing is lost silently.
 */
public final class DeadLetterProcessor implements FixedKeyProcessor<String, CorrelationEvent, String> {

    public static final String HEADER_REASON = "x-incident-correlator-error";
    public static final String HEADER_TOPIC = "x-incident-correlator-source-topic";
    public static final String HEADER_PARTITION = "x-incident-correlator-source-partition";
    public static final String HEADER_OFFSET = "x-incident-correlator-source-offset";
    /**
     * How many events one dead letter stands for, when more than its own (the events of one
     * inventory gap given up together); absent: one.
     */
    public static final String HEADER_COUNT = "x-incident-correlator-count";
    /** The rejected record's own timestamp; the dead letter is stamped with the time it was rejected. */
    public static final String HEADER_TIMESTAMP = "x-incident-correlator-source-timestamp";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessor.class);

    /** Why a record is rejected. */
    @FunctionalInterface
    public interface Reason {
        String of(FixedKeyRecord<String, CorrelationEvent> record);

        /** The reason an upstream processor put in the {@link #HEADER_REASON} header. */
        static Reason fromHeader() {
            return record -> {
                final Header h = record.headers().lastHeader(HEADER_REASON);
                return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            };
        }
    }

    private final CorrelatorMetrics.Reason kind;
    private final Reason reason;
    private final SourceTopics sources;
    private FixedKeyProcessorContext<String, String> context;
    private CorrelatorMetrics metrics;
    private long count;

    /** Invalid events: the reason is what {@code validation} finds wrong. */
    public DeadLetterProcessor(EventValidation validation) {
        this(CorrelatorMetrics.Reason.VALIDATION, record -> validation.problem(record.value().getPayload()),
                null);
    }

    /**
     * @param sources maps a payload to its input topic for the metric, where the record's own
     *                topic is an internal one (after the repartition); null: the record's topic
     */
    public DeadLetterProcessor(CorrelatorMetrics.Reason kind, Reason reason, SourceTopics sources) {
        this.kind = kind;
        this.reason = reason;
        this.sources = sources;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, String> context) {
        this.context = context;
        this.metrics = CorrelatorMetrics.from(context.appConfigs());
    }

    @Override
    public void process(FixedKeyRecord<String, CorrelationEvent> record) {
        final Object payload = record.value().getPayload();
        final String why = String.valueOf(reason.of(record));
        // Wall-clock time, not the event time: a dead letter stamped in 1970 would fall to retention at once, and
        // one stamped next year would be refused by the broker (log.message.timestamp.after.max.ms) and stop the app.
        final FixedKeyRecord<String, String> out = record.withValue(String.valueOf(payload))
                .withTimestamp(context.currentSystemTimeMs());
        out.headers().remove(HEADER_TIMESTAMP);
        out.headers().add(HEADER_TIMESTAMP, Long.toString(record.timestamp()).getBytes(StandardCharsets.UTF_8));
        out.headers().remove(HEADER_REASON);
        out.headers().add(HEADER_REASON, why.getBytes(StandardCharsets.UTF_8));
        String topic = null;
        if (record.headers().lastHeader(HEADER_TOPIC) != null) {
            // Released from a hold after its source was read: the router kept where it came from.
            topic = new String(record.headers().lastHeader(HEADER_TOPIC).value(), StandardCharsets.UTF_8);
        } else if (context.recordMetadata().isPresent()) {
            final RecordMetadata m = context.recordMetadata().get();
            topic = m.topic();
            out.headers().add(HEADER_TOPIC, m.topic().getBytes(StandardCharsets.UTF_8));
            out.headers().add(HEADER_PARTITION, Integer.toString(m.partition()).getBytes(StandardCharsets.UTF_8));
            out.headers().add(HEADER_OFFSET, Long.toString(m.offset()).getBytes(StandardCharsets.UTF_8));
        }
        metrics.deadLettered(kind, sources != null ? sources.topicOf(payload) : topic);
        count++;
        // Late and unplaced records can come in floods: log the first and then every 1000th.
        if (kind == CorrelatorMetrics.Reason.VALIDATION || count == 1 || count % 1000 == 0) {
            LOG.warn("{} {} sent to the dead-letter topic ({} so far by this task): {}",
                    switch (kind) {
                        case LATE -> "Late";
                        case INVENTORY -> "Not placed by the inventory:";
                        default -> "Invalid";
                    },
                    payload == null ? "record" : payload.getClass().getSimpleName(), count, why);
        }
        context.forward(out);
    }
}
