package io.incidentcorrelator.runtime;

import io.incidentcorrelator.serde.RegistryAvroSerde;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Everything a topic holds now, read once from the beginning to the end offsets taken at the
 * start ({@code read_committed}, values through the registry), without a consumer group.
 */
public final class TopicSnapshot {

    private TopicSnapshot() {
    }

    /** Every record's value, in offset order per partition; tombstones left out. */
    public static <T extends SpecificRecord> List<T> values(String bootstrap, SchemaRegistryClient registry,
                                                            Map<String, String> overrides, String topic, Class<T> type) {
        final List<T> out = new ArrayList<>();
        read(bootstrap, registry, overrides, topic, type, r -> {
            if (r.value() != null) {
                out.add(r.value());
            }
        });
        return out;
    }

    /** A compacted topic as a table: the newest value per key, a tombstone removing it. */
    public static <T extends SpecificRecord> List<T> table(String bootstrap, SchemaRegistryClient registry,
                                                           Map<String, String> overrides, String topic, Class<T> type) {
        final Map<String, T> newest = new LinkedHashMap<>();
        read(bootstrap, registry, overrides, topic, type, r -> {
            if (r.value() == null) {
                newest.remove(r.key());
            } else {
                newest.put(r.key(), r.value());
            }
        });
        return new ArrayList<>(newest.values());
    }

    private static <T extends SpecificRecord> void read(String bootstrap, SchemaRegistryClient registry,
                                                        Map<String, String> overrides, String topic, Class<T> type,
                                                        java.util.function.Consumer<ConsumerRecord<String, T>> each) {
        final Properties p = new Properties();
        p.putAll(overrides);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // The pipeline writes with exactly-once transactions: aborted records were never written.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new RegistryAvroSerde<>(registry, type).deserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist on " + bootstrap);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                consumer.poll(Duration.ofMillis(500)).forEach(each);
            }
        }
    }
}
