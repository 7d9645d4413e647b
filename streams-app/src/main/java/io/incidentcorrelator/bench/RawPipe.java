package io.incidentcorrelator.bench;

import io.incidentcorrelator.runtime.Pipeline;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * The ceiling: a plain consumer → producer copy of the same serialized records, with what
 * exactly-once Streams does per record and per commit and nothing else: read_committed, a
 * transactional idempotent producer with Streams' producer defaults (linger 100 ms), 1000
 * records a poll, the pipeline's fetch sizes, offsets committed in the transaction every commit
 * interval.
 */
final class RawPipe {

    private RawPipe() {
    }

    /** Copies {@code expected} records from {@code sources} to {@code target(source)}; returns the progress timeline. */
    static ThroughputCurve copy(String bootstrap, List<String> sources, Function<String, String> target, long expected,
                         long commitIntervalMs, Duration timeout, java.util.function.Consumer<String> progress) {
        final Properties c = BenchKafka.client(bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-raw-pipe");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        c.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Pipeline.FETCH_MAX_BYTES);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Pipeline.MAX_PARTITION_FETCH_BYTES);
        final Properties p = BenchKafka.client(bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-raw-pipe-tx");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 100);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, Integer.getInteger("bench.rawpipe.inflight", 5));

        final ThroughputCurve timeline = new ThroughputCurve();
        final long deadline = System.nanoTime() + timeout.toNanos();
        long copied = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            consumer.subscribe(sources);
            producer.beginTransaction();
            final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            long lastCommit = System.nanoTime();
            long lastReport = System.nanoTime();
            boolean open = false;
            while (copied < expected) {
                final ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    producer.send(new ProducerRecord<>(target.apply(r.topic()), null, r.timestamp(), r.key(), r.value(),
                            r.headers()));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    copied++;
                    open = true;
                }
                if (open && (copied >= expected || System.nanoTime() - lastCommit >= commitIntervalMs * 1_000_000)) {
                    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                    producer.commitTransaction();
                    timeline.add(copied);
                    offsets.clear();
                    open = false;
                    lastCommit = System.nanoTime();
                    if (copied < expected) {
                        producer.beginTransaction();
                    }
                }
                if (System.nanoTime() - lastReport > 10_000_000_000L) {
                    progress.accept(String.format("raw pipe: %,d of %,d records", copied, expected));
                    lastReport = System.nanoTime();
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw pipe: copied only " + copied + " of " + expected
                            + " records within " + timeout);
                }
            }
            // Done when the last transaction is committed; closing the clients is not part of the copy.
            timeline.finish(copied);
        }
        return timeline;
    }
}
