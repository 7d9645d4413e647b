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
 * <p>The tick is stamped with the history's time, months ago perhaps, and brokers delete by record
 * timestamp: on a clock topic with a time retention, the broker's next retention check deletes it
 * before the topology reads it, and a wait for the committed offsets to reach the end of the clock
 * topic never ends. Replays create their topics with {@code retention.ms=-1}, but a clock topic that
 * already exists is left as it is. (The bench's own clock topic had the broker's 24 h retention: the
 * tick was often gone before its topology phase began in {@code --days 30} runs, the wait hung in 4 runs
 * of 11, and the empty clock partition cost 10 % of the stream thread; see docs/performance.md.) So
 * {@link #resendIfOnlyTheClockIsBehind} sends the tick again, fresh in the log, when the clock topic has
 * been the only input behind for 2 s; processing an identical tick twice changes nothing.
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
