package io.incidentcorrelator.collectors;

import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.serde.RegistryAvroDeserializer;
import io.incidentcorrelator.serde.RegistryAvroSerializer;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.testsupport.TestKafka;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The collectors' Kafka sink against a real (in-process) broker, and against none. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaEventWriterIT {

    /** One topic per test: the broker is shared. */
    private static final String TOPIC = "etcd-latency";
    private static final String LATE_TOPIC = "etcd-latency-late";
    private static final KafkaEventWriter.Options FAST_REPORTS =
            new KafkaEventWriter.Options(Duration.ofMillis(500), Duration.ofSeconds(1), 1_000);

    private static TestKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = TestKafka.start();
        kafka.createTopics(TOPIC, LATE_TOPIC);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private static EtcdLatencySample sample(int i) {
        return EtcdLatencySample.newBuilder().setCluster("prod").setMember("talos-cp-0" + i).setWalFsyncP99Ms(i + 0.5)
                .setDbSizeBytes(1024L * i).setTime(Instant.parse("2026-02-26T02:23:00Z").plusSeconds(i)).build();
    }

    @SuppressWarnings("unchecked")
    private static KafkaEventWriter sink(String bootstrap, SchemaRegistryClient registry) {
        final Serializer<SpecificRecord> avro = (Serializer<SpecificRecord>) (Serializer<?>)
                new RegistryAvroSerializer<>(registry);
        return new KafkaEventWriter(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000"), Map.of(TOPIC, avro, LATE_TOPIC, avro), FAST_REPORTS);
    }

    /** Reads {@code count} records of the topic from the start, decoding each value through the registry. */
    private static List<ConsumerRecord<String, EtcdLatencySample>> consume(SchemaRegistryClient registry, String topic,
                                                                           int count) {
        final RegistryAvroDeserializer<EtcdLatencySample> values = new RegistryAvroDeserializer<>(registry,
                EtcdLatencySample.class);
        final List<ConsumerRecord<String, EtcdLatencySample>> got = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "sink-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(topic));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (got.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    assertEquals(0, r.value()[0], "Confluent wire format: magic byte 0");
                    got.add(new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.key(),
                            values.deserialize(r.topic(), r.value())));
                });
            }
        }
        return got;
    }

    @Test
    void recordsArriveRegistryFramedWithTheirKeysAndDecode() {
        final SchemaRegistryClient registry = SchemaRegistries.mockScope("sink-" + UUID.randomUUID());
        final KafkaEventWriter sink = sink(kafka.bootstrapServers(), registry);
        for (int i = 1; i <= 3; i++) {
            sink.send(TOPIC, "prod/talos-cp-0" + i, sample(i));
        }
        final KafkaEventWriter.Totals totals = sink.close(Duration.ofSeconds(20));

        assertEquals(new KafkaEventWriter.Totals(3, 0, 0, 0), totals);
        final List<ConsumerRecord<String, EtcdLatencySample>> got = consume(registry, TOPIC, 3);
        assertEquals(List.of("prod/talos-cp-01", "prod/talos-cp-02", "prod/talos-cp-03"),
                got.stream().map(ConsumerRecord::key).toList());
        assertEquals(List.of(sample(1), sample(2), sample(3)), got.stream().map(ConsumerRecord::value).toList());
    }

    @Test
    void unreachableAtFirstTheBacklogIsReportedAndDeliveredOnceKafkaAnswers() throws Exception {
        final SchemaRegistryClient registry = SchemaRegistries.mockScope("sink-" + UUID.randomUUID());
        final String logged;
        final KafkaEventWriter sink;
        final KafkaEventWriter.Totals totals;
        // Bootstrap through a port that refuses connections until a forwarder to the broker opens on it.
        final int port = freePort();
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final PrintStream err = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            sink = sink("127.0.0.1:" + port, registry);
            for (int i = 1; i <= 5; i++) {
                sink.send(LATE_TOPIC, "prod/talos-cp-0" + i, sample(i));
            }
            await("the sink to warn that 5 records wait").atMost(Duration.ofSeconds(15))
                    .until(() -> log.toString(StandardCharsets.UTF_8).contains("still 5 record(s) waiting"));
            assertEquals(5, sink.backlog(), "kept, not dropped");

            final Forwarder forwarder = new Forwarder(port, kafka.bootstrapServers());
            try {
                await("the backlog sent").atMost(Duration.ofSeconds(30)).until(() -> sink.backlog() == 0);
                await("the sink to say it caught up").atMost(Duration.ofSeconds(5))
                        .until(() -> log.toString(StandardCharsets.UTF_8).contains("caught up"));
                totals = sink.close(Duration.ofSeconds(10));
            } finally {
                forwarder.close();
            }
        } finally {
            System.setErr(err);
            logged = log.toString(StandardCharsets.UTF_8);
        }
        assertTrue(logged.contains("Kafka sink: 5 record(s) not yet acknowledged by Kafka"), logged);
        assertEquals(1, logged.split("not yet acknowledged", -1).length - 1, "one line for the state change: " + logged);
        assertEquals(new KafkaEventWriter.Totals(5, 0, 0, 0), totals);
        assertEquals(List.of(sample(1), sample(2), sample(3), sample(4), sample(5)),
                consume(registry, LATE_TOPIC, 5).stream().map(ConsumerRecord::value).toList(), "all, in order");
    }

    @Test
    void whatCannotBeDeliveredByTheDeadlineIsCountedNotLostSilently() throws Exception {
        final SchemaRegistryClient registry = SchemaRegistries.mockScope("sink-" + UUID.randomUUID());
        final int closedPort = freePort();
        final KafkaEventWriter sink = sink("127.0.0.1:" + closedPort, registry);
        sink.send(TOPIC, "prod/talos-cp-01", sample(1));
        sink.send(TOPIC, "prod/talos-cp-02", sample(2));
        final long start = System.nanoTime();
        final KafkaEventWriter.Totals totals = sink.close(Duration.ofSeconds(2));

        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "close is bounded");
        assertEquals(new KafkaEventWriter.Totals(0, 0, 0, 2), totals);
        assertEquals(2, totals.lost());
    }

    /** A loopback port nothing listens on (any more). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }


    /** Accepts on a loopback port and pipes each connection to the broker's bootstrap address. */
    private static final class Forwarder implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> sockets = new ArrayList<>();

        Forwarder(int port, String target) throws IOException {
            final String[] hostPort = target.split(",")[0].split(":");
            final InetSocketAddress to = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            final Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        final Socket in = server.accept();
                        final Socket out = new Socket(to.getAddress(), to.getPort());
                        synchronized (sockets) {
                            sockets.add(in);
                            sockets.add(out);
                        }
                        pipe(in, out);
                        pipe(out, in);
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "forwarder");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static void pipe(Socket from, Socket to) {
            final Thread t = new Thread(() -> {
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // one side closed
                }
            }, "forwarder-pipe");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
