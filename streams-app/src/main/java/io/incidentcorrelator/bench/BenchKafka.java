package io.incidentcorrelator.bench;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.replay.ClosingTick;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/** Topics, producing the synthetic history, and waiting for a consumer group to catch up. */
final class BenchKafka {

    private BenchKafka() {
    }

    static Properties client(String bootstrap) {
        final Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    static void createTopics(Admin admin, TopicNames names, int partitions, List<String> extra) {
        final Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        // The history and its closing tick are stamped months ago: under the broker's 24 h retention
        // the first retention check (30 s after start) would delete them while they are being read.
        final Map<String, String> kept = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");
        final List<NewTopic> topics = new ArrayList<>();
        for (Topic<?> topic : Topic.ALL) {
            final String name = names.name(topic);
            topics.add(switch (topic.role()) {
                case EVENTS -> new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(kept);
                case TABLE, OUTPUT -> new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(compacted);
                case DEAD_LETTER -> new NewTopic(name, Optional.of(1), Optional.empty());
                case CLOCK -> new NewTopic(name, Optional.of(1), Optional.empty()).configs(kept);
            });
        }
        for (String t : extra) {
            topics.add(new NewTopic(t, Optional.of(partitions), Optional.empty()).configs(kept));
        }
        try {
            admin.createTopics(topics).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create the bench topics: " + e.getCause(), e);
        }
    }

    /** A producer as a collector would run it: idempotent, acks=all, batching for throughput. */
    static KafkaProducer<String, byte[]> producer(String bootstrap, int lingerMs) {
        final Properties p = client(bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(p);
    }

    /** Record counts per topic of what {@link #produceHistory} wrote. */
    record Produced(Map<Topic<?>, Long> counts, Instant lastEvent) {
        long events() {
            return counts.entrySet().stream()
                    .filter(e -> e.getKey().role() == Topic.Role.EVENTS)
                    .mapToLong(Map.Entry::getValue).sum();
        }
    }

    /**
     * Generates {@code span} of history straight into Kafka, serialized as the collectors would,
     * and, for a replay ({@code closingTick}), the tick that closes every window.
     */
    static Produced produceHistory(String bootstrap, Topics topics, CorrelatorConfig config, SyntheticHomelab homelab,
                                   Duration span, boolean closingTick, LongConsumer progress) {
        final Map<Topic<?>, Long> counts = new TreeMap<>();
        final AtomicReference<Exception> failed = new AtomicReference<>();
        final Map<String, org.apache.kafka.common.serialization.Serializer<SpecificRecord>> serializers = new HashMap<>();
        final long[] last = {Long.MIN_VALUE};
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap, 20)) {
            final long[] total = {0};
            homelab.generate(span, (topic, key, value, ts) -> {
                last[0] = Math.max(last[0], ts);
                final String name = topics.names().name(topic);
                final byte[] bytes = serializers.computeIfAbsent(name,
                        n -> topics.<SpecificRecord>valueSerdeFor(n).serializer()).serialize(name, value);
                producer.send(new ProducerRecord<>(name, null, ts, key, bytes), (meta, e) -> {
                    if (e != null) {
                        failed.compareAndSet(null, e);
                    }
                });
                counts.merge(topic, 1L, Long::sum);
                if (++total[0] % 500_000 == 0) {
                    progress.accept(total[0]);
                }
            });
            if (closingTick) {
                producer.send(ClosingTick.record(config, topics.names().clock(), Instant.ofEpochMilli(last[0])),
                        (meta, e) -> {
                            if (e != null) {
                                failed.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new IllegalStateException("producing the history failed: " + failed.get(), failed.get());
        }
        return new Produced(counts, Instant.ofEpochMilli(last[0]));
    }

    /** Sum of committed offsets of the group on {@code topics} (records consumed so far, on fresh topics). */
    static long committed(Admin admin, String groupId, List<String> topics) throws ExecutionException, InterruptedException {
        long sum = 0;
        for (var e : admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get().entrySet()) {
            if (topics.contains(e.getKey().topic()) && e.getValue() != null) {
                sum += e.getValue().offset();
            }
        }
        return sum;
    }

    /** Sum of the end offsets of {@code topic} (records, plus transaction markers if written transactionally). */
    static long endOffsets(Admin admin, String topic) throws ExecutionException, InterruptedException {
        final Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().values().forEach(d -> d.partitions()
                .forEach(p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        return admin.listOffsets(request).all().get().values().stream().mapToLong(i -> i.offset()).sum();
    }

    /** The newest revision of every incident on the incidents topic (a tombstone removes), and how many revisions it holds. */
    record Incidents(Map<String, Incident> newest, long revisions) {
    }

    static Incidents incidents(String bootstrap, Topics topics) {
        final String topic = topics.names().incidents();
        final Deserializer<Incident> values = topics.valueSerde(Topic.INCIDENTS).deserializer();
        final Properties p = client(bootstrap);
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final Map<String, Incident> newest = new java.util.TreeMap<>();
        long revisions = 0;
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p,
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        newest.remove(r.key());
                    } else {
                        newest.put(r.key(), values.deserialize(topic, r.value()));
                        revisions++;
                    }
                }
            }
        }
        return new Incidents(newest, revisions);
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
