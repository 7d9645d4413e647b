package io.incidentcorrelator.testsupport;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.cli.CorrelatorCli;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.serde.RegistryAvroSerde;
import io.incidentcorrelator.serde.SchemaRegistries;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An {@code incidents} topic as the pipeline leaves it, for the ITs of its readers: a real
 * broker, an HTTP schema registry, and revisions written in transactions like the topology's.
 */
public final class IncidentTopic implements AutoCloseable {

    public static final String TOPIC = "incidents";

    private final TestKafka kafka;
    private final EmbeddedSchemaRegistryServer registry;
    private final KafkaProducer<String, Incident> producer;

    private IncidentTopic(TestKafka kafka, EmbeddedSchemaRegistryServer registry, KafkaProducer<String, Incident> producer) {
        this.kafka = kafka;
        this.registry = registry;
        this.producer = producer;
    }

    public static IncidentTopic start() {
        final TestKafka kafka = TestKafka.start();
        kafka.createCompactedTopic(TOPIC);
        final EmbeddedSchemaRegistryServer registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry());
        final KafkaProducer<String, Incident> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "incident-topic-" + System.nanoTime()),
                new StringSerializer(),
                new RegistryAvroSerde<>(SchemaRegistries.forUrl(registry.url(), Map.of()), Incident.class).serializer());
        producer.initTransactions();
        return new IncidentTopic(kafka, registry, producer);
    }

    /** {@code --bootstrap-servers X --schema-registry-url Y}, for the command line under test. */
    public List<String> connectionOptions() {
        return List.of("--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", registry.url());
    }

    public static ProducerRecord<String, Incident> revision(Incident incident, long timestamp) {
        return new ProducerRecord<>(TOPIC, null, timestamp, incident.getId(), incident);
    }

    public static ProducerRecord<String, Incident> tombstone(String id, long timestamp) {
        return new ProducerRecord<String, Incident>(TOPIC, null, timestamp, id, (Incident) null);
    }

    /** Writes the records in one transaction, committed or aborted. */
    @SafeVarargs
    public final void transaction(boolean commit, ProducerRecord<String, Incident>... records) {
        producer.beginTransaction();
        for (ProducerRecord<String, Incident> r : records) {
            producer.send(r);
        }
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    /** Runs {@code correlator ARGS} in-process, asserts exit code 0 and returns its stdout lines. */
    public static List<String> correlator(List<String> args) {
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final int exit;
        final PrintStream original = System.out;
        // picocli takes System.out when the command line is built, inside execute.
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = CorrelatorCli.execute(args.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        assertEquals(0, exit, "exit code of correlator " + String.join(" ", args));
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** {@code correlator FIRST... <connection options> REST...}. */
    public List<String> correlator(List<String> command, String... options) {
        final List<String> args = new ArrayList<>(command);
        args.addAll(connectionOptions());
        args.addAll(List.of(options));
        return correlator(args);
    }

    @Override
    public void close() {
        producer.close();
        registry.close();
        kafka.close();
    }
}
