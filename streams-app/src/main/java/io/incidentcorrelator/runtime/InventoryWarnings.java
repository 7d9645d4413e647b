package io.incidentcorrelator.runtime;

import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topology.internal.DeadLetterProcessor;
import io.incidentcorrelator.topology.internal.InventoryGap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.errors.WakeupException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The inventory warnings of {@code incidents tail} and the web view: what the dead-letter topic
 * holds under an {@code inventory:<reason>:<subject>} key (events that no inventory record placed
 * within the router's hold), counted per gap and per source topic. Read from the beginning
 * (read_committed); {@link #poll} keeps it current. One thread polls; any thread may read
 * {@link #warnings()}.
 */
public final class InventoryWarnings implements AutoCloseable {

    /**
     * One gap in the inventory.
     *
     * @param byTopic   how many events of each source topic it kept from being placed
     * @param lastEvent the event time of the newest of them
     */
    public record Warning(InventoryGap gap, Map<String, Long> byTopic, Instant lastEvent) {

        /**
         * {@code inventory incomplete: host pve9 unknown (12 memory samples, 1 backup event dead-lettered, newest
         * 2026-...)}: what the hold gave up on; later events of a gap are only counted (not_in_inventory metric).
         */
        public String text(TopicNames names) {
            final String counts = byTopic.entrySet().stream()
                    .map(e -> e.getValue() + " " + noun(names, e.getKey(), e.getValue()))
                    .collect(Collectors.joining(", "));
            return "inventory incomplete: " + gap.describe() + " unknown (" + counts + " dead-lettered"
                    + (lastEvent == null ? "" : ", newest " + lastEvent) + ")";
        }

        private static String noun(TopicNames names, String topic, long n) {
            final String one;
            if (topic.equals(names.podRestarts())) {
                one = "restart";
            } else if (topic.equals(names.backupEvents())) {
                one = "backup event";
            } else if (topic.equals(names.proxmoxMemory())) {
                one = "memory sample";
            } else {
                return "records of " + topic;
            }
            return n == 1 ? one : one + "s";
        }
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final Map<String, Map<String, Long>> counts = new TreeMap<>();
    private final Map<String, Instant> newest = new TreeMap<>();
    private volatile boolean closed;
    private Thread follower;

    public InventoryWarnings(String bootstrapServers, String deadLetterTopic, Map<String, String> overrides) {
        final Properties p = new Properties();
        // Only what a consumer knows of run's settings (security, client id), not Streams' own.
        overrides.forEach((k, v) -> {
            if (ConsumerConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.partitions = consumer.partitionsFor(Objects.requireNonNull(deadLetterTopic), Duration.ofSeconds(30))
                .stream().map(info -> new TopicPartition(deadLetterTopic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Reads what the topic held when called. */
    public void catchUp(Duration timeout) {
        final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
            poll(Duration.ofMillis(200));
        }
    }

    /** Reads what arrived, waiting up to {@code timeout}; returns quietly after {@link #wakeup()}. */
    public void poll(Duration timeout) {
        try {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(timeout)) {
                final InventoryGap gap = InventoryGap.fromKey(r.key());
                if (gap != null) {
                    final String count = header(r, DeadLetterProcessor.HEADER_COUNT);
                    add(gap, header(r, DeadLetterProcessor.HEADER_TOPIC), header(r, DeadLetterProcessor.HEADER_TIMESTAMP),
                            count == null ? 1 : Long.parseLong(count));
                }
            }
        } catch (WakeupException e) {
            // closing
        }
    }

    /** @param events how many events the dead letter stands for (one per gap given up together) */
    private synchronized void add(InventoryGap gap, String topic, String eventTime, long events) {
        counts.computeIfAbsent(gap.key(), k -> new TreeMap<>()).merge(topic == null ? "?" : topic, events, Long::sum);
        if (eventTime != null) {
            final Instant t = Instant.ofEpochMilli(Long.parseLong(eventTime));
            newest.merge(gap.key(), t, (a, b) -> a.isAfter(b) ? a : b);
        }
    }

    /** Every gap seen, by its key. */
    public synchronized List<Warning> warnings() {
        final List<Warning> out = new ArrayList<>();
        counts.forEach((key, byTopic) -> out.add(new Warning(InventoryGap.fromKey(key), new TreeMap<>(byTopic),
                newest.get(key))));
        return out;
    }

    /** Reads on, on a daemon thread of its own, until {@link #close()} (the web view of {@code run}). */
    public InventoryWarnings follow() {
        follower = new Thread(() -> {
            while (!closed) {
                poll(Duration.ofSeconds(1));
            }
        }, "inventory-warnings");
        follower.setDaemon(true);
        follower.start();
        return this;
    }

    @Override
    public void close() {
        closed = true;
        if (follower != null) {
            consumer.wakeup();
            try {
                follower.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        consumer.close(Duration.ofSeconds(5));
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        final Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
