package io.incidentcorrelator.sinks;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.serde.RegistryAvroSerde;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Reads the incidents topic the way every downstream reader must: {@code read_committed}
 * (the topology writes with exactly-once transactions, so aborted revisions exist in the log),
 * values in the Confluent wire format through the registry, tombstones as null values.
 *
 * <p>All partitions are assigned to this one consumer rather than subscribed: the sinks keep
 * per-incident state (silence ids) and are meant to run as a single instance. With a group id
 * the position is the group's committed offset (else the beginning) and {@link #commit()}
 * stores it; without one every read starts where {@link #seekToBeginning()} or the caller
 * puts it.
 */
public final class IncidentSource implements AutoCloseable {

    /** Called once per record, in offset order per partition. {@code incident} is null for a tombstone. */
    @FunctionalInterface
    public interface Handler {
        void accept(ConsumerRecord<String, Incident> record) throws Exception;
    }

    private final KafkaConsumer<String, Incident> consumer;
    private final String topic;
    private final List<TopicPartition> partitions;
    private final boolean committing;

    /**
     * @param groupId      consumer group whose committed offsets are the start, or null to commit nothing
     * @param atBeginning  where to start without a committed offset: the beginning, else the end
     * @param overrides    further Kafka client settings (security and the like)
     */
    public IncidentSource(String bootstrapServers, SchemaRegistryClient registry, String topic, String groupId,
                          boolean atBeginning, Map<String, String> overrides) {
        this.topic = Objects.requireNonNull(topic, "topic");
        final Properties p = new Properties();
        p.putAll(overrides);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // Revisions of aborted transactions were never part of the output.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, atBeginning ? "earliest" : "latest");
        // A record may wait for slow HTTP retries; keep batches small so a poll comes back in time.
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        this.committing = groupId != null;
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new RegistryAvroSerde<>(registry, Incident.class).deserializer());
        this.partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        if (partitions.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("Topic " + topic + " does not exist");
        }
        consumer.assign(partitions);
    }

    public String topic() {
        return topic;
    }

    public void seekToBeginning() {
        consumer.seekToBeginning(partitions);
    }

    /** The offsets that mark "caught up" now; records written later lie beyond them. */
    public Map<TopicPartition, Long> endOffsets() {
        return consumer.endOffsets(partitions);
    }

    /** Called after every poll, whether it returned records or not. */
    @FunctionalInterface
    public interface AfterPoll {
        void run() throws Exception;
    }

    /**
     * Hands every record to {@code handler} until the positions reach {@code until} (null:
     * until {@link #wakeup()}), committing after each batch when a group is set. A handler
     * that throws stops the read without committing the record it failed on.
     */
    public void run(Map<TopicPartition, Long> until, Handler handler) throws Exception {
        run(until, handler, () -> { });
    }

    /** As {@link #run(Map, Handler)}, calling {@code afterPoll} after each poll (at most every 500 ms apart while idle). */
    public void run(Map<TopicPartition, Long> until, Handler handler, AfterPoll afterPoll) throws Exception {
        try {
            while (until == null || !reached(until)) {
                final ConsumerRecords<String, Incident> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, Incident> record : records) {
                    handler.accept(record);
                }
                if (!records.isEmpty()) {
                    commit();
                }
                afterPoll.run();
            }
        } catch (WakeupException stopped) {
            // wakeup(): a normal stop
        }
    }

    private boolean reached(Map<TopicPartition, Long> until) {
        for (Map.Entry<TopicPartition, Long> end : until.entrySet()) {
            // With read_committed the position can stop short of a trailing commit marker only
            // until the next poll moves past it, so comparing with >= terminates.
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Stores the current positions for the group, if there is one. */
    public void commit() {
        if (!committing) {
            return;
        }
        final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
        }
        consumer.commitSync(offsets);
    }

    /** Makes a running {@link #run} return; safe from another thread (a shutdown hook). */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
