package io.incidentcorrelator.runtime;

import io.incidentcorrelator.topology.CatchUpAlignment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

import java.util.Map;
import java.util.Set;

/**
 * Kafka's clients as Kafka Streams makes them by default, with the main consumer of each stream
 * thread wrapped in an {@link AligningConsumer}, which holds back the routing tasks that ran ahead
 * in a catch-up ({@link CatchUpAlignment}). Through {@code KafkaClientSupplier}, a public API.
 */
final class AligningClientSupplier implements KafkaClientSupplier {

    private final CatchUpAlignment alignment;
    private final Set<String> routingTopics;

    /** @param routingTopics the topics the routing tasks read, partition n by routing task n */
    AligningClientSupplier(CatchUpAlignment alignment, Set<String> routingTopics) {
        this.alignment = alignment;
        this.routingTopics = Set.copyOf(routingTopics);
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new AligningConsumer(bytes(config), alignment, routingTopics);
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return bytes(config);
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return bytes(config);
    }

    private static Consumer<byte[], byte[]> bytes(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
