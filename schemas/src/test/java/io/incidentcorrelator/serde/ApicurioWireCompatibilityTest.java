package io.incidentcorrelator.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.apicurio.registry.resolver.ParsedSchema;
import io.apicurio.registry.resolver.ParsedSchemaImpl;
import io.apicurio.registry.resolver.SchemaLookupResult;
import io.apicurio.registry.resolver.SchemaParser;
import io.apicurio.registry.resolver.SchemaResolver;
import io.apicurio.registry.resolver.client.RegistryClientFacade;
import io.apicurio.registry.resolver.data.Record;
import io.apicurio.registry.resolver.strategy.ArtifactReference;
import io.apicurio.registry.resolver.strategy.ArtifactReferenceResolverStrategy;
import io.apicurio.registry.serde.Default4ByteIdHandler;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.data.SerdeMetadata;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.PodRestart;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Byte-level compatibility with Apicurio Registry's Avro serde (3.1.7) in its Confluent-compatible framing: magic byte 0
 * and a 4-byte id ({@link Default4ByteIdHandler}, the 3.x replacement of 2.x's Legacy4ByteIdHandler), Avro binary
 * encoding, no Kafka headers.
 *
 * <p>Apicurio's own client speaks only Apicurio's native REST API, so without a live Apicurio server its schema
 * lookups are answered by a {@link SchemaResolver} backed by our registry client
 * ({@code apicurio.registry.schema-resolver} accepts an instance). Everything that touches the bytes (framing, id
 * handler, Avro encoding and decoding) is Apicurio's own code. The id Apicurio writes is its contentId, which plays the
 * role of Confluent's global schema id, as it does in Apicurio's ccompat API.
 */
class ApicurioWireCompatibilityTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("mock://apicurio-compat");

    @BeforeAll
    static void trustTheRecordClasses() {
        // Avro 1.12.2 only instantiates trusted classes. Our serdes declare the classes they are given; Apicurio's do
        // not, so the test declares them here rather than depending on which test happens to run first.
        AvroClassTrust.trust(PodRestart.class);
        AvroClassTrust.trust(Incident.class);
    }

    private Map<String, Object> apicurioConfig() {
        final Map<String, Object> config = new HashMap<>();
        config.put("apicurio.registry.schema-resolver", new RegistryBackedResolver(registry));
        config.put("apicurio.registry.id-handler", Default4ByteIdHandler.class.getName());
        config.put("apicurio.registry.use-id", "contentId");
        config.put("apicurio.registry.headers.enabled", false);
        config.put("apicurio.registry.avro.encoding", "BINARY");
        config.put("apicurio.registry.use-specific-avro-reader", true);
        return config;
    }

    @Test
    void apicurioReadsWhatWeWrite() {
        for (SpecificRecord record : new SpecificRecord[] {TestRecords.podRestart(), TestRecords.incident()}) {
            final String topic = record.getSchema().getName().toLowerCase();
            final byte[] ours = new RegistryAvroSerializer<SpecificRecord>(registry).serialize(topic, record);

            try (AvroKafkaDeserializer<SpecificRecord> apicurio = new AvroKafkaDeserializer<>()) {
                apicurio.configure(apicurioConfig(), false);
                assertEquals(record, apicurio.deserialize(topic, new RecordHeaders(), ours));
                assertEquals(record, apicurio.deserialize(topic, ours), "also without a headers object");
            }
        }
    }

    @Test
    void weReadWhatApicurioWrites() {
        final byte[] apicurioBytes;
        try (AvroKafkaSerializer<PodRestart> apicurio = new AvroKafkaSerializer<>()) {
            apicurio.configure(apicurioConfig(), false);
            apicurioBytes = apicurio.serialize("pod-restarts", new RecordHeaders(), TestRecords.podRestart());
        }
        assertEquals(0, apicurioBytes[0], "magic byte");
        final int id = registry.lookupId("pod-restarts-value", PodRestart.getClassSchema());
        assertEquals(id, Frames.schemaId(apicurioBytes), "4-byte id, big-endian");

        final PodRestart read = new RegistryAvroDeserializer<>(registry, PodRestart.class)
                .deserialize("pod-restarts", apicurioBytes);
        assertEquals(TestRecords.podRestart(), read);
    }

    @Test
    void bothWriteIdenticalBytes() {
        final Incident incident = TestRecords.incident();
        final byte[] ours = new RegistryAvroSerializer<Incident>(registry).serialize("incidents", incident);
        final byte[] theirs;
        try (AvroKafkaSerializer<Incident> apicurio = new AvroKafkaSerializer<>()) {
            apicurio.configure(apicurioConfig(), false);
            theirs = apicurio.serialize("incidents", new RecordHeaders(), incident);
        }
        assertArrayEquals(ours, theirs, () -> Arrays.toString(ours) + "\n" + Arrays.toString(theirs));
    }

    /**
     * Answers Apicurio's schema lookups from a {@link SchemaRegistryClient}: serializing registers under
     * {@code <topic>-value} (TopicNameStrategy, like ours), deserializing fetches by the id in the record.
     */
    static final class RegistryBackedResolver implements SchemaResolver<Schema, Object> {
        private final SchemaRegistryClient client;
        private SchemaParser<Schema, Object> parser;

        RegistryBackedResolver(SchemaRegistryClient client) {
            this.client = client;
        }

        @Override
        public void configure(Map<String, ?> configs, SchemaParser<Schema, Object> schemaParser) {
            this.parser = schemaParser;
        }

        @Override
        public void setClientFacade(RegistryClientFacade clientFacade) {
            // not used: lookups go to our client
        }

        @Override
        public void setArtifactResolverStrategy(ArtifactReferenceResolverStrategy<Schema, Object> strategy) {
            // not used: subjects follow TopicNameStrategy
        }

        @Override
        public SchemaParser<Schema, Object> getSchemaParser() {
            return parser;
        }

        @Override
        public SchemaLookupResult<Schema> resolveSchema(Record<Object> data) {
            final ParsedSchema<Schema> schema = parser.getSchemaFromData(data);
            final SerdeMetadata metadata = (SerdeMetadata) data.metadata();
            final String subject = metadata.getTopic() + (metadata.isKey() ? "-key" : "-value");
            final int id = client.register(subject, schema.getParsedSchema());
            return SchemaLookupResult.<Schema>builder().parsedSchema(schema).contentId(id).globalId(id)
                    .groupId("default").artifactId(subject).build();
        }

        @Override
        public SchemaLookupResult<Schema> resolveSchemaByArtifactReference(ArtifactReference reference) {
            final long id = reference.getContentId() != null ? reference.getContentId() : reference.getGlobalId();
            final Schema schema = client.schemaById(Math.toIntExact(id));
            final ParsedSchemaImpl<Schema> parsed = new ParsedSchemaImpl<Schema>().setParsedSchema(schema)
                    .setRawSchema(schema.toString().getBytes(StandardCharsets.UTF_8));
            return SchemaLookupResult.<Schema>builder().parsedSchema(parsed).contentId(id).globalId(id).build();
        }

        @Override
        public void reset() {
            // nothing cached here
        }

        @Override
        public void close() {
            // the client belongs to the test
        }
    }
}
