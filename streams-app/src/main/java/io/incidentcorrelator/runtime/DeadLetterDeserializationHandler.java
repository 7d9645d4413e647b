package io.incidentcorrelator.runtime;

import io.incidentcorrelator.metrics.CorrelatorMetrics;
import io.incidentcorrelator.metrics.CorrelatorMetrics.Reason;
import io.incidentcorrelator.serde.SchemaRegistryUnavailableException;
import io.incidentcorrelator.topology.internal.DeadLetterProcessor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What happens to a record the source serdes cannot read.
 *
 * <ul>
 *   <li>The schema registry did not answer ({@link SchemaRegistryUnavailableException}): FAIL. The
 *       record may be fine, so it is neither skipped nor dead-lettered; the stream thread stops
 *       before committing it and {@code correlator run} replaces the thread after a pause, which
 *       reads the record again.</li>
 *   <li>Anything else (garbage, wrong magic byte, unknown schema id, a schema that does not fit):
 *       RESUME, with the raw key and value sent to the dead-letter topic with Kafka Streams'
 *       KIP-1034 headers ({@code __streams.errors.*}) plus the {@code x-incident-correlator-*}
 *       headers the validation path writes, so one consumer reads both.</li>
 *   <li>A bad record of a global table (inventory, storage locations) is skipped and counted
 *       only: Kafka Streams 4.3 has no record collector on the global thread and fails the whole
 *       client if a dead letter is returned there.</li>
 * </ul>
 * Record contents are never logged, only where the record is and why it was rejected.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    // KIP-1034's header names (Kafka keeps its constants in an internal class).
    static final String HEADER_EXCEPTION = "__streams.errors.exception";
    static final String HEADER_MESSAGE = "__streams.errors.message";
    static final String HEADER_STACKTRACE = "__streams.errors.stacktrace";
    static final String HEADER_TOPIC = "__streams.errors.topic";
    static final String HEADER_PARTITION = "__streams.errors.partition";
    static final String HEADER_OFFSET = "__streams.errors.offset";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

    private String deadLetterTopic;
    private CorrelatorMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
        final Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        deadLetterTopic = topic == null ? null : topic.toString();
        metrics = CorrelatorMetrics.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                Exception exception) {
        final String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (SchemaRegistryUnavailableException.isCauseOf(exception)) {
            metrics.registryUnavailable(record.topic());
            LOG.error("Cannot read {}: the schema registry is unavailable; stopping before this record so that it "
                    + "is read again, not skipped: {}", where, exception.getMessage());
            return Response.fail();
        }
        final boolean globalThread = context.taskId() == null || context.taskId().subtopology() < 0;
        if (globalThread || deadLetterTopic == null) {
            metrics.skipped(Reason.DESERIALIZATION, record.topic());
            LOG.warn("Skipped unreadable record {} (no dead letter possible {}): {}", where,
                    globalThread ? "from the global thread" : "without a dead-letter topic", exception.getMessage());
            return Response.resume();
        }
        metrics.deadLettered(Reason.DESERIALIZATION, record.topic());
        LOG.warn("Unreadable record {} sent to the dead-letter topic {}: {}", where, deadLetterTopic,
                exception.getMessage());
        return Response.resume(List.of(deadLetter(context, record, exception)));
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                      Exception exception) {
        // Stamped when rejected, like the validation path's dead letters; the source timestamp goes in a header.
        final ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(deadLetterTopic, null, System.currentTimeMillis(),
                context.sourceRawKey(), context.sourceRawValue());
        if (context.headers() != null) {
            for (Header h : context.headers()) {
                out.headers().add(h);
            }
        }
        final String message = String.valueOf(exception.getMessage());
        add(out, HEADER_EXCEPTION, exception.getClass().getName());
        add(out, HEADER_MESSAGE, message);
        add(out, HEADER_STACKTRACE, stackTrace(exception));
        add(out, HEADER_TOPIC, record.topic());
        add(out, HEADER_PARTITION, Integer.toString(record.partition()));
        add(out, HEADER_OFFSET, Long.toString(record.offset()));
        add(out, DeadLetterProcessor.HEADER_REASON, "cannot deserialize: " + message);
        add(out, DeadLetterProcessor.HEADER_TOPIC, record.topic());
        add(out, DeadLetterProcessor.HEADER_PARTITION, Integer.toString(record.partition()));
        add(out, DeadLetterProcessor.HEADER_OFFSET, Long.toString(record.offset()));
        add(out, DeadLetterProcessor.HEADER_TIMESTAMP, Long.toString(record.timestamp()));
        return out;
    }

    private static void add(ProducerRecord<?, ?> record, String name, String value) {
        record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String stackTrace(Exception e) {
        final StringWriter text = new StringWriter();
        e.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
