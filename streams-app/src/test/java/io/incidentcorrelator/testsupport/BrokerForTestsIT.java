package io.incidentcorrelator.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * {@link TestKafka}, the broker the ITs run on: the default kind serves them, and Testcontainers
 * without Docker fails clearly.
 */
class BrokerForTestsIT {

    @Test
    void defaultBrokerServesProduceAndConsume() throws Exception {
        try (TestKafka kafka = TestKafka.start()) {
            assertEquals(TestKafka.selectedKind(), kafka.kind());
            kafka.createTopics("plain");
            kafka.createCompactedTopic("compacted");
            try (Admin admin = kafka.admin()) {
                assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).containsAll(Set.of("plain", "compacted")));
            }

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-kafka-test"),
                    new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("plain", "k", "v1"));
                producer.send(new ProducerRecord<>("plain", "k", "v2"));
                producer.commitTransaction();
            }

            final List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "test-kafka-test",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(Set.of("plain"));
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (values.size() < 2 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
                }
            }
            assertEquals(List.of("v1", "v2"), values);
        }
    }

    @Test
    void testcontainersWithoutDockerFailsClearly() {
        Assumptions.assumeFalse(DockerClientFactory.instance().isDockerAvailable(), "Docker is available here");
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TestKafka.start(TestKafka.Kind.TESTCONTAINERS));
        assertTrue(e.getMessage().contains("no Docker environment"), e.getMessage());
    }
}
