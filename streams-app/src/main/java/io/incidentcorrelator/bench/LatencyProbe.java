package io.incidentcorrelator.bench;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Detection latency in live mode. Half an hour of evidence is produced first (a backup running
 * on {@code pve-a}, its iowait and the etcd fsync latency high) and the topology catches up;
 * then restarts stamped inside that half hour are produced one by one, as a collector would
 * send them, each of a new pod. The latency of one is the wall time from just before its send
 * to the first incident revision naming its pod that a read_committed consumer sees.
 */
final class LatencyProbe {

    static final Instant T0 = SyntheticHomelab.START.minus(Duration.ofDays(1));
    private static final Duration EVIDENCE = Duration.ofMinutes(30);

    private LatencyProbe() {
    }

    /** Produces the tables and the evidence into {@code topics}; returns the number of records. */
    static long produceEvidence(String bootstrap, Topics topics) {
        final TopicNames names = topics.names();
        final List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        SyntheticHomelab.writeTables((topic, key, value, ts) -> records.add(record(topics, names.name(topic),
                key, value, ts)));
        final long from = T0.toEpochMilli();
        final long to = T0.plus(EVIDENCE).toEpochMilli();
        records.add(record(topics, names.backupEvents(), "pve-a/backup-nightly", backup(BackupPhase.JOB_START, null, from), from));
        records.add(record(topics, names.backupEvents(), "pve-a/backup-nightly", backup(BackupPhase.BACKUP_START, 101, from), from));
        for (long t = from; t < to; t += SyntheticHomelab.SAMPLE_EVERY_MS) {
            final long total = 128L << 30;
            for (String host : SyntheticHomelab.HOSTS) {
                records.add(record(topics, names.proxmoxMemory(), host, MemorySample.newBuilder().setHost(host)
                        .setMemUsedBytes(total * 7 / 10).setMemTotalBytes(total).setMemPressureSomeAvg10(0.5)
                        .setCpuUsage(0.3).setIoWait(host.equals("pve-a") ? 0.38 : 0.02)
                        .setTime(Instant.ofEpochMilli(t)).build(), t));
            }
            for (SyntheticHomelab.Guest m : SyntheticHomelab.etcdMembers()) {
                final double fsync = m.host().equals("pve-a") ? 120 : 3;
                records.add(record(topics, names.etcdLatency(), m.cluster() + "/" + m.node(),
                        EtcdLatencySample.newBuilder().setCluster(m.cluster()).setMember(m.node())
                                .setWalFsyncP99Ms(fsync).setTime(Instant.ofEpochMilli(t)).build(), t));
            }
        }
        // Under heavy load the 4.x idempotent producer has been seen to give up on a partition after
        // endless OUT_OF_ORDER_SEQUENCE_NUMBER retries; count what landed rather than wait for the rest.
        final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        try (KafkaProducer<String, byte[]> producer = BenchKafka.producer(bootstrap, 5)) {
            for (ProducerRecord<String, byte[]> r : records) {
                producer.send(r, (meta, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                    }
                });
            }
            producer.flush();
        }
        final long tables = SyntheticHomelab.inventory().size() + 1;
        return records.size() - tables - failed.get();
    }

    /** What {@link Detections} saw of {@code sent} restarts: each seen one's latency in ms. */
    record Result(List<Double> latenciesMs, int sent) {
        double percentile(double p) {
            if (latenciesMs.isEmpty()) {
                return Double.NaN;
            }
            final List<Double> sorted = new ArrayList<>(latenciesMs);
            Collections.sort(sorted);
            final int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
        }

        /** {@code N of M restarts seen, p50 .. ms, p99 .. ms, max .. ms}. */
        String summary() {
            return String.format(Locale.ROOT, "%d of %d restarts seen, p50 %.0f ms, p99 %.0f ms, max %.0f ms",
                    latenciesMs.size(), sent, percentile(50), percentile(99), percentile(100));
        }
    }

    /**
     * Reads the incidents topic (read_committed) from its end as it is when constructed, and keeps
     * for each pod announced with {@link #sending} the wall time to the first revision naming it.
     */
    static final class Detections implements AutoCloseable {
        private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
        private final Map<String, Double> latencyMs = new ConcurrentHashMap<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread reader;

        Detections(String bootstrap, Topics topics) {
            final var props = BenchKafka.client(bootstrap);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            final KafkaConsumer<String, Incident> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                    topics.valueSerde(Topic.INCIDENTS).deserializer());
            final List<TopicPartition> partitions = consumer.partitionsFor(topics.names().incidents()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end now, before any restart is sent
            reader = new Thread(() -> {
                try (consumer) {
                    while (!stop.get()) {
                        for (ConsumerRecord<String, Incident> r : consumer.poll(Duration.ofMillis(20))) {
                            final long now = System.nanoTime();
                            if (r.value() == null) {
                                continue;
                            }
                            for (PodSummary pod : r.value().getPods()) {
                                final Long sent = sentAt.get(pod.getPod());
                                if (sent != null) {
                                    latencyMs.putIfAbsent(pod.getPod(), (now - sent) / 1e6);
                                }
                            }
                        }
                    }
                }
            }, "bench-latency-reader");
            reader.start();
        }

        /** Just before the restart of {@code pod} is sent: its latency counts from now. */
        void sending(String pod) {
            sentAt.put(pod, System.nanoTime());
        }

        /** Waits at most {@code wait} until {@code count} pods were seen; returns how many were. */
        int awaitSeen(int count, Duration wait) throws InterruptedException {
            final long deadline = System.nanoTime() + wait.toNanos();
            while (latencyMs.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return latencyMs.size();
        }

        /** Forgets what was sent and seen so far (a warm-up). */
        void reset() {
            sentAt.clear();
            latencyMs.clear();
        }

        Result result(int sent) {
            return new Result(new ArrayList<>(latencyMs.values()), sent);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            reader.join();
        }
    }

    /** Sends {@code count} restarts {@code gapMs} apart and measures each one's detection. */
    static Result measure(String bootstrap, Topics topics, int count, long gapMs, Duration wait) throws InterruptedException {
        final TopicNames names = topics.names();
        try (Detections detections = new Detections(bootstrap, topics);
             KafkaProducer<String, byte[]> producer = BenchKafka.producer(bootstrap, 0)) {
            // Inside the evidence, after the backup started, within the grace behind event time.
            final long first = T0.plus(EVIDENCE).minus(Duration.ofMinutes(6)).toEpochMilli();
            final long step = Math.max(1, Duration.ofMinutes(5).toMillis() / Math.max(1, count));
            for (int i = 0; i < count; i++) {
                final String node = i % 2 == 0 ? "prod-cp-1" : "lab-cp-1";
                final String cluster = node.substring(0, node.indexOf('-'));
                final String pod = String.format("probe-%04d", i);
                final long t = first + i * step;
                final PodRestart restart = PodRestart.newBuilder().setCluster(cluster).setNamespace("bench")
                        .setPod(pod).setContainer("app").setNode(node).setRestartCount(1).setTerminatedReason("Error")
                        .setExitCode(1).setFinishedAt(Instant.ofEpochMilli(t)).build();
                final var record = record(topics, names.podRestarts(), cluster + "/bench/" + pod + "/app", restart, t);
                detections.sending(pod);
                producer.send(record);
                Thread.sleep(gapMs);
            }
            producer.flush();
            detections.awaitSeen(count, wait);
            return detections.result(count);
        }
    }

    private static BackupEvent backup(BackupPhase phase, Integer vmid, long t) {
        return BackupEvent.newBuilder().setHost("pve-a").setPhase(phase).setVmid(vmid).setJobId("backup-nightly")
                .setStorage(SyntheticHomelab.STORAGE).setTime(Instant.ofEpochMilli(t)).build();
    }

    private static ProducerRecord<String, byte[]> record(Topics topics, String topic, String key, SpecificRecord value,
                                                        long ts) {
        final byte[] bytes = topics.<SpecificRecord>valueSerdeFor(topic).serializer().serialize(topic, value);
        return new ProducerRecord<>(topic, null, ts, key, bytes);
    }
}
