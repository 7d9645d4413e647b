package io.incidentcorrelator.replay;

import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.runtime.Failures;
import io.incidentcorrelator.runtime.Pipeline;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * The clock tick a replay sends with its events, one past every window (the grouping gap for
 * resolution, the grace for lateness), so that every incident is complete at the end. Sent before
 * the topology starts, like the events: the clock topic then has a record buffered throughout, which
 * also spares Kafka Streams formatting a log line for an empty input partition on every record (see
 * docs/performance.md).
 *
 * <p>Kafka Streams 4.3 can leave that tick's offset uncommitted: fetched with the first records,
 * it waits in the task's queue until every event before it is processed, and when it is then
 * processed, last, on a partition with nothing after it, the task may have no offset to commit for
 * that partition. Its output is committed, but a wait for the committed offsets to reach the end
 * never ends (seen in `bench --days 30`: in 4 runs of 11; 4 of 4 without the commit the tick
 * requests). The same tick once more, fetched in a poll of its own, is committed with its offset,
 * and processing an identical tick twice changes nothing: hence {@link #resendIfOnlyTheClockIsBehind}.
 */
public final class ClosingTick {

    // The tick normally follows the last events within the task's idle wait (0.5 s) and a commit
    // interval (1 s in replays); sent again needlessly, it only costs a record.
    private static final long PATIENCE_NANOS = Duration.ofSeconds(2).toNanos();

    private final ProducerRecord<String, byte[]> record;
    private final Map<String, Object> producerSettings;
    private long onlyClockBehindSince = -1;

    /**
     * @param clientSettings Kafka client settings (security and the like) for sending it again
     */
    public ClosingTick(CorrelatorConfig config, String clockTopic, Instant lastEvent, String bootstrapServers,
                       Map<String, ?> clientSettings) {
        this.record = record(config, clockTopic, lastEvent);
        this.producerSettings = new HashMap<>(clientSettings);
        producerSettings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerSettings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerSettings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    }

    /** The tick for events up to {@code lastEvent}. */
    public static ProducerRecord<String, byte[]> record(CorrelatorConfig config, String clockTopic, Instant lastEvent) {
        final Instant tick = lastEvent.plus(config.groupingGap()).plus(config.grace()).plus(Duration.ofMinutes(1));
        final byte[] value = Pipeline.internalSerdes().forValue(ClockTick.class).serializer()
                .serialize(clockTopic, new ClockTick(tick));
        return new ProducerRecord<>(clockTopic, null, tick.toEpochMilli(), "clock", value);
    }

    public ProducerRecord<String, byte[]> record() {
        return record;
    }

    /**
     * Sends the tick again when the clock topic has been the only input still behind for 2 s.
     *
     * @param behindByTopic records not yet committed per input topic
     */
    public void resendIfOnlyTheClockIsBehind(Map<String, Long> behindByTopic) {
        final boolean onlyClock = behindByTopic.getOrDefault(record.topic(), 0L) > 0
                && behindByTopic.entrySet().stream().allMatch(e -> e.getKey().equals(record.topic()) || e.getValue() == 0);
        if (!onlyClock) {
            onlyClockBehindSince = -1;
            return;
        }
        if (onlyClockBehindSince < 0) {
            onlyClockBehindSince = System.nanoTime();
        }
        if (System.nanoTime() - onlyClockBehindSince < PATIENCE_NANOS) {
            return;
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerSettings)) {
            producer.send(record).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot send the closing clock tick again: " + Failures.rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while sending the closing clock tick", e);
        }
        onlyClockBehindSince = System.nanoTime();
    }
}
