package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.internal.CorrelationEvent;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Turns an event that failed validation into a dead-letter record: the event as JSON, and
 * headers saying why and where it came from, so nothing is lost silently.
 */
public final class DeadLetterProcessor implements FixedKeyProcessor<String, CorrelationEvent, String> {

    public static final String HEADER_REASON = "x-incident-correlator-error";
    public static final String HEADER_TOPIC = "x-incident-correlator-source-topic";
    public static final String HEADER_PARTITION = "x-incident-correlator-source-partition";
    public static final String HEADER_OFFSET = "x-incident-correlator-source-offset";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessor.class);

    private final EventValidation validation;
    private FixedKeyProcessorContext<String, String> context;
    private long count;

    public DeadLetterProcessor(EventValidation validation) {
        this.validation = validation;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, String> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, CorrelationEvent> record) {
        final Object payload = record.value().getPayload();
        final String reason = String.valueOf(validation.problem(payload));
        final FixedKeyRecord<String, String> out = record.withValue(String.valueOf(payload));
        out.headers().add(HEADER_REASON, reason.getBytes(StandardCharsets.UTF_8));
        context.recordMetadata().ifPresent((RecordMetadata m) -> {
            out.headers().add(HEADER_TOPIC, m.topic().getBytes(StandardCharsets.UTF_8));
            out.headers().add(HEADER_PARTITION, Integer.toString(m.partition()).getBytes(StandardCharsets.UTF_8));
            out.headers().add(HEADER_OFFSET, Long.toString(m.offset()).getBytes(StandardCharsets.UTF_8));
        });
        count++;
        LOG.warn("Invalid {} sent to the dead-letter topic ({} so far): {}",
                payload == null ? "record" : payload.getClass().getSimpleName(), count, reason);
        context.forward(out);
    }
}
