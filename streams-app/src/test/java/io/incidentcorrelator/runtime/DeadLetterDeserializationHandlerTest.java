package io.incidentcorrelator.runtime;

import io.incidentcorrelator.metrics.CorrelatorMetrics;
import io.incidentcorrelator.serde.SchemaRegistryException;
import io.incidentcorrelator.serde.SchemaRegistryUnavailableException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.Response;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.Result;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DeadLetterDeserializationHandlerTest {

    private final CorrelatorMetrics metrics = new CorrelatorMetrics(new SimpleMeterRegistry());
    private final ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("pod-restarts", 2, 40L,
            "k".getBytes(StandardCharsets.UTF_8), new byte[] {0x7f, 1});

    private DeadLetterDeserializationHandler handler(String deadLetterTopic) {
        final DeadLetterDeserializationHandler h = new DeadLetterDeserializationHandler();
        final Map<String, Object> configs = new java.util.HashMap<>();
        configs.put(CorrelatorMetrics.CONFIG_KEY, metrics);
        if (deadLetterTopic != null) {
            configs.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic);
        }
        h.configure(configs);
        return h;
    }

    @Test
    void aBadRecordResumesWithADeadLetterCarryingKip1034AndOurHeaders() {
        final Response r = handler("dlq").handleError(context(new TaskId(0, 2)), record,
                new SerializationException("unknown magic byte 0x7f on topic pod-restarts"));
        assertEquals(Result.RESUME, r.result());
        assertEquals(1, r.deadLetterQueueRecords().size());
        final ProducerRecord<byte[], byte[]> dead = r.deadLetterQueueRecords().get(0);
        assertEquals("dlq", dead.topic());
        assertArrayEquals(record.value(), dead.value());
        assertEquals("unknown magic byte 0x7f on topic pod-restarts", header(dead.headers(), "__streams.errors.message"));
        assertEquals("pod-restarts", header(dead.headers(), "__streams.errors.topic"));
        assertEquals("2", header(dead.headers(), "__streams.errors.partition"));
        assertEquals("40", header(dead.headers(), "__streams.errors.offset"));
        assertEquals(SerializationException.class.getName(), header(dead.headers(), "__streams.errors.exception"));
        assertEquals("cannot deserialize: unknown magic byte 0x7f on topic pod-restarts",
                header(dead.headers(), "x-incident-correlator-error"));
        assertEquals("collector-1", header(dead.headers(), "origin"), "the source record's headers are kept");
        assertEquals(1, metrics.count(CorrelatorMetrics.DEAD_LETTER, "reason", "deserialization", "topic", "pod-restarts"));
    }

    @Test
    void anUnavailableRegistryFailsAndDeadLettersNothing() {
        final Exception e = new SchemaRegistryUnavailableException("cannot fetch schema id 3",
                new SchemaRegistryException("unreachable", -1, -1, null, null));
        final Response r = handler("dlq").handleError(context(new TaskId(0, 2)), record, e);
        assertEquals(Result.FAIL, r.result());
        assertTrue(r.deadLetterQueueRecords().isEmpty());
        assertEquals(1, metrics.count(CorrelatorMetrics.REGISTRY_UNAVAILABLE));
        assertEquals(0, metrics.count(CorrelatorMetrics.DEAD_LETTER));
    }

    @Test
    void theGlobalThreadCannotDeadLetterSoItSkipsAndCounts() {
        // Kafka Streams 4.3 fails the whole client when the global thread returns dead letters.
        final Response r = handler("dlq").handleError(context(new TaskId(-1, -1)), record,
                new SerializationException("record too short"));
        assertEquals(Result.RESUME, r.result());
        assertTrue(r.deadLetterQueueRecords().isEmpty());
        assertEquals(1, metrics.count(CorrelatorMetrics.SKIPPED, "topic", "pod-restarts"));
    }

    @Test
    void withoutADeadLetterTopicBadRecordsAreSkippedAndCounted() {
        final Response r = handler(null).handleError(context(new TaskId(0, 0)), record, new SerializationException("x"));
        assertEquals(Result.RESUME, r.result());
        assertTrue(r.deadLetterQueueRecords().isEmpty());
        assertEquals(1, metrics.count(CorrelatorMetrics.SKIPPED));
    }

    private static String header(Headers headers, String name) {
        return headers.lastHeader(name) == null ? null
                : new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private ErrorHandlerContext context(TaskId task) {
        final Headers headers = new RecordHeaders().add("origin", "collector-1".getBytes(StandardCharsets.UTF_8));
        return new ErrorHandlerContext() {
            public String topic() { return record.topic(); }
            public int partition() { return record.partition(); }
            public long offset() { return record.offset(); }
            public Headers headers() { return headers; }
            public String processorNodeId() { return "pod-restarts-source"; }
            public TaskId taskId() { return task; }
            public long timestamp() { return 1_000L; }
            public byte[] sourceRawKey() { return record.key(); }
            public byte[] sourceRawValue() { return record.value(); }
        };
    }
}
