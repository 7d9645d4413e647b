package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.contract.EventTimes;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

import java.time.Instant;

/**
 * Event time from the payload, never the time a collector happened to send it: a restart's
 * {@code finishedAt}, a sample's or phase's {@code time}. Records whose payload has no time
 * (a value that failed to deserialize is null here) keep the record timestamp, or partition
 * time if that is invalid too, so they reach the dead-letter path instead of being dropped.
 */
public final class EventTimeExtractor implements TimestampExtractor {

    private final EventValidation validation;

    /** Every payload time is taken as it is. */
    public EventTimeExtractor() {
        this(null);
    }

    /**
     * @param validation payload times it finds implausible (1970, next year) are replaced by the
     *                   partition time: Kafka Streams picks the next record by timestamp across
     *                   partitions, so one poison pill stamped next year would hold back every
     *                   record behind it until the other partitions ran dry (and make them late),
     *                   and one stamped 1970 would jump the queue. Validation still rejects it.
     */
    public EventTimeExtractor(EventValidation validation) {
        this.validation = validation;
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        final Instant t = eventTime(record.value());
        if (t != null && (validation == null || validation.isPlausibleTime(t))) {
            return t.toEpochMilli();
        }
        if (t != null) {
            return Math.max(partitionTime, 0);
        }
        return record.timestamp() >= 0 ? record.timestamp() : Math.max(partitionTime, 0);
    }

    public static Instant eventTime(Object value) {
        if (value instanceof CorrelationEvent e) {
            return eventTime(e.getPayload());
        }
        if (value instanceof ClockTick c) {
            return c.getTime();
        }
        return EventTimes.of(value);
    }
}
