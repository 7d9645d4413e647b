package io.incidentcorrelator.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an {@link InMemorySchemaRegistry}'s registrations in a compacted Kafka topic, the way Confluent's registry keeps
 * {@code _schemas}: key {@code {"keytype":"SCHEMA","subject":S,"version":V,"magic":1}}, value
 * {@code {"subject":S,"version":V,"id":ID,"schema":TEXT,"deleted":false}}. On open the topic is read to its end, so
 * every id comes back as it was; a new registration is written (acks=all) and read back before it counts, so an id
 * that was handed out is on disk.
 *
 * <p>One writer per topic: the registry's lock orders registrations within this process, nothing orders them across
 * processes.
 */
public final class KafkaSchemaStore implements InMemorySchemaRegistry.Journal, AutoCloseable {

    /** Confluent's name for the topic. */
    public static final String DEFAULT_TOPIC = "_schemas";

    private static final Logger log = LoggerFactory.getLogger(KafkaSchemaStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final InMemorySchemaRegistry registry;
    private final TopicPartition partition;
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;

    private KafkaSchemaStore(InMemorySchemaRegistry registry, TopicPartition partition,
                             KafkaProducer<String, String> producer, KafkaConsumer<String, String> consumer) {
        this.registry = registry;
        this.partition = partition;
        this.producer = producer;
        this.consumer = consumer;
    }

    /**
     * Creates {@code topic} if missing (compacted, one partition), reads it into {@code registry} and journals every
     * later registration there.
     *
     * @param clientSettings bootstrap servers and any security settings for the Kafka clients
     */
    public static KafkaSchemaStore open(InMemorySchemaRegistry registry, Map<String, ?> clientSettings, String topic,
                                        short replicationFactor) {
        Objects.requireNonNull(registry, "registry");
        ensureTopic(clientSettings, topic, replicationFactor);
        final Properties producerProps = new Properties();
        producerProps.putAll(clientSettings);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, "schema-store-producer");
        final Properties consumerProps = new Properties();
        consumerProps.putAll(clientSettings);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "schema-store-reader");
        final TopicPartition partition = new TopicPartition(topic, 0);
        final KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());
        final KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer());
        final KafkaSchemaStore store = new KafkaSchemaStore(registry, partition, producer, consumer);
        try {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            store.readUpTo(consumer.endOffsets(List.of(partition), TIMEOUT).get(partition));
            registry.setJournal(store);
            log.info("Schema registry: {} subjects read from topic {}", registry.subjects().size(), topic);
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    @Override
    public void append(InMemorySchemaRegistry.Version version) {
        final long offset;
        try {
            offset = producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), key(version),
                    value(version))).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).offset();
        } catch (ExecutionException | TimeoutException e) {
            throw unavailable(version, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(version, e);
        }
        readUpTo(offset + 1);
    }

    /** Applies every record before {@code end} to the registry. */
    private void readUpTo(long end) {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (consumer.position(partition, TIMEOUT) < end) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                apply(record);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Could not read schema topic " + partition.topic()
                        + " up to offset " + end + " within " + TIMEOUT.toSeconds() + " s");
            }
        }
    }

    private void apply(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return; // a subject deleted with Confluent's tools: not something this registry serves
        }
        try {
            final JsonNode value = JSON.readTree(record.value());
            if (value.path("deleted").asBoolean(false) || !value.hasNonNull("schema")) {
                return;
            }
            registry.restore(new InMemorySchemaRegistry.Version(value.get("subject").asText(),
                    value.get("version").asInt(), value.get("id").asInt(), new Schema.Parser().parse(value.get("schema").asText())));
        } catch (Exception e) {
            // Other key types (CONFIG, NOOP) and foreign records are not ours to serve; a broken schema would be.
            if (record.key() != null && record.key().contains("\"SCHEMA\"")) {
                throw new IllegalStateException("Unreadable schema record at " + partition + " offset " + record.offset()
                        + ": " + e.getMessage(), e);
            }
        }
    }

    static String key(InMemorySchemaRegistry.Version version) {
        final Map<String, Object> key = new LinkedHashMap<>();
        key.put("keytype", "SCHEMA");
        key.put("subject", version.subject());
        key.put("version", version.version());
        key.put("magic", 1);
        return json(key);
    }

    static String value(InMemorySchemaRegistry.Version version) {
        final Map<String, Object> value = new LinkedHashMap<>();
        value.put("subject", version.subject());
        value.put("version", version.version());
        value.put("id", version.id());
        value.put("schema", version.schema().toString());
        value.put("deleted", false);
        return json(value);
    }

    private static String json(Map<String, Object> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void ensureTopic(Map<String, ?> clientSettings, String topic, short replicationFactor) {
        final Properties props = new Properties();
        props.putAll(clientSettings);
        try (Admin admin = Admin.create(props)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, replicationFactor).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                        .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Could not create schema topic " + topic + ": "
                            + e.getCause().getMessage(), e);
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("Could not create schema topic " + topic + " within "
                        + TIMEOUT.toSeconds() + " s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while creating schema topic " + topic, e);
            }
        }
    }

    private IllegalStateException unavailable(InMemorySchemaRegistry.Version version, Exception e) {
        return new IllegalStateException("Could not record schema " + version.schema().getFullName()
                + " for subject " + version.subject() + " in topic " + partition.topic() + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        registry.setJournal(null);
        producer.close(Duration.ofSeconds(5));
        consumer.close();
    }
}
