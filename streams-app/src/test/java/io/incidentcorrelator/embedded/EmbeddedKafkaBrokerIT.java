package io.incidentcorrelator.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.incidentcorrelator.embedded.EmbeddedKafkaBroker.EmbeddedKafkaException;
import io.incidentcorrelator.embedded.EmbeddedKafkaBroker.Options;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerIT {

    @Test
    void transactionalRoundTripThenCleanShutdownAndRestartOnSamePort() throws Exception {
        final long t0 = System.nanoTime();
        final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Options.defaults());
        final long startupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("EmbeddedKafkaBroker startup: " + startupMs + " ms");
        final Path dataDir = broker.dataDir();
        final String bootstrap = broker.bootstrapServers();
        try {
            assertTrue(bootstrap.startsWith("127.0.0.1:"), bootstrap);
            try (Admin admin = admin(bootstrap)) {
                admin.createTopics(List.of(
                        new NewTopic("events", 1, (short) 1),
                        new NewTopic("incidents", 1, (short) 1).configs(
                                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                        .all().get(30, TimeUnit.SECONDS);
                assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT, admin.describeConfigs(List.of(
                                new org.apache.kafka.common.config.ConfigResource(
                                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "incidents")))
                        .all().get(30, TimeUnit.SECONDS).values().iterator().next()
                        .get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
            }

            try (KafkaProducer<String, String> producer = transactionalProducer(bootstrap)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("events", "k1", "committed-event"));
                producer.send(new ProducerRecord<>("incidents", "i1", "committed-incident"));
                producer.commitTransaction();

                producer.beginTransaction();
                producer.send(new ProducerRecord<>("events", "k2", "aborted-event"));
                producer.flush();
                producer.abortTransaction();

                producer.beginTransaction();
                producer.send(new ProducerRecord<>("events", "k3", "second-committed-event"));
                producer.commitTransaction();
            }

            assertEquals(List.of("committed-event", "second-committed-event"), readCommitted(bootstrap, "events", 2));
            assertEquals(List.of("committed-incident"), readCommitted(bootstrap, "incidents", 1));
        } finally {
            broker.close();
        }
        assertFalse(Files.exists(dataDir), "temporary data dir should be deleted on close: " + dataDir);

        // The same client port again: proves the first broker released its sockets.
        final int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        final long t1 = System.nanoTime();
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.start(Options.defaults().withPort(port));
             Admin admin = admin(second.bootstrapServers())) {
            System.out.println("EmbeddedKafkaBroker second startup: "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1) + " ms");
            assertEquals(bootstrap, second.bootstrapServers());
            admin.createTopics(List.of(new NewTopic("again", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void keptDataDirSurvivesRestart(@TempDir Path tmp) throws Exception {
        final Path dataDir = tmp.resolve("kafka");
        final Options options = Options.defaults().withDataDir(dataDir);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options);
             Admin admin = admin(broker.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        assertTrue(Files.isDirectory(dataDir), "a caller-provided data dir must be kept");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options);
             Admin admin = admin(broker.bootstrapServers())) {
            assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("kept"));
        }
    }

    @Test
    void portInUseFailsClearly() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final EmbeddedKafkaException e = assertThrows(EmbeddedKafkaException.class,
                    () -> EmbeddedKafkaBroker.start(Options.defaults().withPort(taken.getLocalPort())));
            assertTrue(e.getMessage().contains("already in use"), e.getMessage());
        }
    }

    @Test
    void unusableDataDirFailsClearly(@TempDir Path tmp) throws IOException {
        final Path file = Files.createFile(tmp.resolve("not-a-dir"));
        final EmbeddedKafkaException e = assertThrows(EmbeddedKafkaException.class,
                () -> EmbeddedKafkaBroker.start(Options.defaults().withDataDir(file)));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static KafkaProducer<String, String> transactionalProducer(String bootstrap) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-broker-test"),
                new StringSerializer(), new StringSerializer());
    }

    private static List<String> readCommitted(String bootstrap, String topic, int expected) {
        final List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "embedded-broker-test-" + topic,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(topic));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            // One more short poll: an aborted record leaking through would show up here.
            consumer.poll(Duration.ofMillis(300)).forEach(record -> values.add(record.value()));
        }
        return values;
    }
}
