package io.incidentcorrelator.testsupport;

import io.incidentcorrelator.runtime.TopologyShapes;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.replay.IncidentJsonWriter;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.replay.ScenarioEvents;
import io.incidentcorrelator.replay.ScenarioReader;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.runtime.TopicProvisioner;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * What ITs of the always-on pipeline need around it: the topics, a scenario's events produced
 * with their event times (bad records in between if wanted), waiting until the application has
 * committed everything, and the committed incidents and dead letters read back.
 */
public final class PipelineHarness {

    private final String bootstrap;
    private final Map<String, Object> clientSettings;
    private final TopicNames names;
    private final Topics topics;

    public PipelineHarness(String bootstrap, Map<String, ?> clientSettings, TopicNames names, Topics topics) {
        this.bootstrap = bootstrap;
        this.clientSettings = new HashMap<>(clientSettings);
        this.names = names;
        this.topics = topics;
    }

    private Properties props() {
        final Properties p = new Properties();
        p.putAll(clientSettings);
        p.put("bootstrap.servers", bootstrap);
        return p;
    }

    public Admin admin() {
        return Admin.create(props());
    }

    /**
     * Every topic the pipeline reads or writes, one partition each, as a replay creates them: tables and
     * incidents compacted, the rest kept whatever its records' timestamps. The scenarios are stamped with
     * their event times, months ago, and the broker deletes by record timestamp: with its retention (24 h on
     * the embedded broker) its first check, 30 s after it started, deleted the input of a test whose
     * application had not read it yet (PoisonPillIT, with the registry down), and nothing was left to commit.
     */
    public void createTopics() throws Exception {
        try (Admin admin = admin()) {
            TopicProvisioner.ensureTopics(admin, names, 1, bootstrap, TopicProvisioner.KEEP_FOREVER);
        }
    }

    /** A bundled scenario in replay order. */
    public static List<ScenarioEvent> scenario(String name) throws Exception {
        try (Reader reader = new InputStreamReader(PipelineHarness.class.getResourceAsStream("/scenarios/" + name + ".jsonl"),
                StandardCharsets.UTF_8)) {
            return ScenarioEvents.orderForReplay(new ScenarioReader().read(name + ".jsonl", reader));
        }
    }

    /** Produces {@code events}, and {@code extra} raw records after the {@code extraAfter}-th event. */
    public Instant produce(List<ScenarioEvent> events, int extraAfter, List<ProducerRecord<String, byte[]>> extra) {
        Instant last = Instant.EPOCH;
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 0; i < events.size(); i++) {
                if (i == extraAfter) {
                    extra.forEach(producer::send);
                }
                final ScenarioEvent e = events.get(i);
                final String topic = names.name(e.topic());
                final byte[] value = topics.serialize(e.topic(), e.value());
                producer.send(new ProducerRecord<>(topic, null,
                        e.eventTime() == null ? null : e.eventTime().toEpochMilli(), e.key(), value));
                if (e.eventTime() != null && e.eventTime().isAfter(last)) {
                    last = e.eventTime();
                }
            }
            if (extraAfter >= events.size()) {
                extra.forEach(producer::send);
            }
            producer.flush();
        }
        return last;
    }

    /** A clock tick past every window, as the replay sends at its end. */
    public void tick(Instant lastEvent, CorrelatorConfig config) {
        final Instant tick = lastEvent.plus(config.groupingGap()).plus(config.grace()).plus(Duration.ofMinutes(1));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(names.clock(), null, tick.toEpochMilli(), "clock",
                    Pipeline.internalSerdes().forValue(ClockTick.class).serializer().serialize(names.clock(), new ClockTick(tick))));
        }
    }

    public void send(List<ProducerRecord<String, byte[]>> records) {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            records.forEach(producer::send);
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        final Properties p = props();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(p);
    }

    /** Records {@code applicationId} has not committed yet on its inputs and, if it has one, its repartition topic. */
    public long behind(String applicationId) throws Exception {
        try (Admin admin = admin()) {
            return TopologyShapes.behind(admin, applicationId, TopologyShapes.inputTopics(names));
        }
    }

    public void awaitConsumed(String applicationId, Duration timeout) {
        try {
            await("application " + applicationId + " to commit every input record").atMost(timeout)
                    .ignoreExceptions().until(() -> behind(applicationId) == 0);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; still behind: " + behindByTopic(applicationId), e);
        }
    }

    private String behindByTopic(String applicationId) {
        try (Admin admin = admin()) {
            return TopologyShapes.behindByTopic(admin, applicationId, TopologyShapes.inputTopics(names)).toString();
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    /** The incidents topic as a compacted-topic reader sees it (read_committed, newest per id), as JSON lines. */
    public String incidentsJson() throws Exception {
        final Map<String, Incident> newest = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(names.incidents())) {
            final String id = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                newest.remove(id);
            } else {
                newest.put(id, topics.valueSerde(Topic.INCIDENTS).deserializer().deserialize(names.incidents(), r.value()));
            }
        }
        return newest.values().stream().map(IncidentJsonWriter::toLine).collect(Collectors.joining("\n"));
    }

    /** Every committed record of {@code topic}. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        final Properties p = props();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end");
                }
            }
        }
        return out;
    }
}
