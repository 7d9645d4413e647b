package io.incidentcorrelator.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.PodRestart;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RegistryAvroSerdeTest {

    private static final String SCOPE = "registry-avro-serde-test";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("mock://unit");

    @AfterEach
    void dropScope() {
        SchemaRegistries.dropMockScope(SCOPE);
    }

    @Test
    void everyContractRecordRoundTripsInConfluentFraming() {
        for (Map.Entry<String, SpecificRecord> sample : TestRecords.contractSamples().entrySet()) {
            roundTrip(sample.getKey(), sample.getValue());
        }
        assertEquals(7, registry.subjects().size(), registry.subjects().toString());
    }

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> void roundTrip(String topic, T record) {
        try (RegistryAvroSerde<T> serde = new RegistryAvroSerde<>(registry, (Class<T>) record.getClass())) {
            final byte[] bytes = serde.serializer().serialize(topic, record);

            assertEquals(0, bytes[0], "magic byte");
            final int id = registry.lookupId(topic + "-value", record.getSchema());
            assertEquals(id, Frames.schemaId(bytes), "bytes 1-4 are the registered id, big-endian");
            assertEquals(record, serde.deserializer().deserialize(topic, bytes), topic);
        }
    }

    @Test
    void idsAreBigEndianAndStartAtOne() {
        final RegistryAvroSerializer<PodRestart> serializer = new RegistryAvroSerializer<>(registry);
        final byte[] bytes = serializer.serialize("pod-restarts", TestRecords.podRestart());
        assertArrayEquals(new byte[] {0, 0, 0, 0, 1}, Arrays.copyOf(bytes, 5));

        // Push the id past one byte to see the byte order.
        for (int i = 0; i < 299; i++) {
            registry.register("filler-" + i, Schema.createFixed("F" + i, null, "x", 1));
        }
        final byte[] later = new RegistryAvroSerializer<BackupEvent>(registry).serialize("backup-events",
                TestRecords.backupEvent());
        assertArrayEquals(new byte[] {0, 0, 0, 0x01, 0x2d}, Arrays.copyOf(later, 5), "id 301 = 0x12d");
    }

    @Test
    void keysUseTheKeySubject() {
        try (RegistryAvroSerde<PodRestart> keys = new RegistryAvroSerde<>(registry, PodRestart.class, true)) {
            keys.serializer().serialize("pod-restarts", TestRecords.podRestart());
        }
        assertEquals(List.of("pod-restarts-key"), registry.subjects());
    }

    @Test
    void nullIsATombstoneBothWays() {
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(registry, PodRestart.class)) {
            assertNull(serde.serializer().serialize("pod-restarts", null));
            assertNull(serde.deserializer().deserialize("pod-restarts", null));
        }
        assertTrue(registry.subjects().isEmpty(), "a tombstone registers nothing");
    }

    @Test
    void mockUrlsShareOneRegistryPerScope() {
        final Map<String, Object> config = Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + SCOPE);
        try (RegistryAvroSerde<PodRestart> producerSide = new RegistryAvroSerde<>(PodRestart.class);
                RegistryAvroSerde<PodRestart> consumerSide = new RegistryAvroSerde<>(PodRestart.class)) {
            producerSide.configure(config, false);
            consumerSide.configure(config, false);
            final byte[] bytes = producerSide.serializer().serialize("pod-restarts", TestRecords.podRestart());
            assertEquals(TestRecords.podRestart(), consumerSide.deserializer().deserialize("pod-restarts", bytes));
        }
        assertSame(SchemaRegistries.mockScope(SCOPE), SchemaRegistries.forUrl("mock://" + SCOPE, Map.of()));
        assertEquals(List.of("pod-restarts-value"), SchemaRegistries.mockScope(SCOPE).subjects());
    }

    @Test
    void serializerAndDeserializerCanBeCreatedByClassNameFromConfig() {
        final Map<String, Object> config = new HashMap<>();
        config.put(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + SCOPE);
        config.put(RegistrySerdeConfig.SPECIFIC_AVRO_VALUE_TYPE, PodRestart.class.getName());
        try (RegistryAvroSerializer<PodRestart> serializer = new RegistryAvroSerializer<>();
                RegistryAvroDeserializer<PodRestart> deserializer = new RegistryAvroDeserializer<>()) {
            serializer.configure(config, false);
            deserializer.configure(config, false);
            final byte[] bytes = serializer.serialize("pod-restarts", TestRecords.podRestart());
            assertEquals(TestRecords.podRestart(), deserializer.deserialize("pod-restarts", bytes));
        }
    }

    @Test
    void deserializerWithoutTargetClassSaysWhichKeyIsMissing() {
        try (RegistryAvroDeserializer<PodRestart> deserializer = new RegistryAvroDeserializer<>()) {
            final ConfigException e = assertThrows(ConfigException.class, () -> deserializer.configure(
                    Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + SCOPE), false));
            assertTrue(e.getMessage().contains("specific.avro.value.type"), e.getMessage());
        }
    }

    @Test
    void missingUrlIsAConfigError() {
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(PodRestart.class)) {
            final ConfigException e = assertThrows(ConfigException.class, () -> serde.configure(Map.of(), false));
            assertTrue(e.getMessage().contains("schema.registry.url"), e.getMessage());
        }
    }

    @Test
    void withoutAutoRegisterAnUnregisteredSchemaFailsClearly() {
        final RegistryAvroSerializer<PodRestart> serializer = new RegistryAvroSerializer<>(registry, false, false);
        final SerializationException e = assertThrows(SerializationException.class,
                () -> serializer.serialize("pod-restarts", TestRecords.podRestart()));
        assertEquals("schema io.incidentcorrelator.avro.PodRestart is not registered under subject pod-restarts-value "
                + "in registry mock://unit and auto.register.schemas is false (topic pod-restarts)", e.getMessage());

        final int id = registry.register("pod-restarts-value", PodRestart.getClassSchema());
        assertEquals(id, Frames.schemaId(serializer.serialize("pod-restarts", TestRecords.podRestart())));
    }

    @Test
    void autoRegisterFalseFromConfig() {
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(registry, PodRestart.class)) {
            serde.configure(Map.of(RegistrySerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);
            assertThrows(SerializationException.class,
                    () -> serde.serializer().serialize("pod-restarts", TestRecords.podRestart()));
        }
    }

    @Test
    void idsAndSchemasAreCachedNotFetchedPerRecord() {
        final CountingClient counting = new CountingClient(registry);
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(counting, PodRestart.class)) {
            for (int i = 0; i < 100; i++) {
                final byte[] bytes = serde.serializer().serialize("pod-restarts", TestRecords.podRestart());
                serde.deserializer().deserialize("pod-restarts", bytes);
            }
        }
        assertEquals(1, counting.registers.get());
        assertEquals(1, counting.fetches.get());
    }

    @Test
    void foreignMagicByteIsRejectedWithTopicAndByte() {
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(registry, PodRestart.class)) {
            final byte[] json = "{\"cluster\":\"prod\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            final SerializationException e = assertThrows(SerializationException.class,
                    () -> serde.deserializer().deserialize("pod-restarts", json));
            assertEquals("unknown magic byte 0x7b on topic pod-restarts (expected 0x00: not Confluent-framed Avro)",
                    e.getMessage());
        }
    }

    @Test
    void shortRecordsAreRejected() {
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(registry, PodRestart.class)) {
            for (byte[] tooShort : List.of(new byte[0], new byte[] {0, 0, 0, 1})) {
                final SerializationException e = assertThrows(SerializationException.class,
                        () -> serde.deserializer().deserialize("pod-restarts", tooShort));
                assertTrue(e.getMessage().startsWith("record too short on topic pod-restarts: " + tooShort.length
                        + " bytes"), e.getMessage());
            }
        }
    }

    @Test
    void unknownSchemaIdNamesTheRegistry() {
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(registry, PodRestart.class)) {
            final SerializationException e = assertThrows(SerializationException.class,
                    () -> serde.deserializer().deserialize("pod-restarts", new byte[] {0, 0, 0, 0, 42, 2, 'x'}));
            assertEquals("schema id 42 not found in registry mock://unit (topic pod-restarts)", e.getMessage());
        }
    }

    @Test
    void truncatedPayloadIsADecodingError() {
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(registry, PodRestart.class)) {
            final byte[] bytes = serde.serializer().serialize("pod-restarts", TestRecords.podRestart());
            final byte[] truncated = Arrays.copyOf(bytes, bytes.length - 10);
            final SerializationException e = assertThrows(SerializationException.class,
                    () -> serde.deserializer().deserialize("pod-restarts", truncated));
            assertTrue(e.getMessage().startsWith("cannot decode Avro record on topic pod-restarts with writer schema id 1 "
                    + "as io.incidentcorrelator.avro.PodRestart (truncated or corrupt payload?)"), e.getMessage());
        }
    }

    @Test
    void garbagePayloadIsADecodingErrorNotAnOutOfMemoryError() {
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(registry, PodRestart.class)) {
            serde.serializer().serialize("pod-restarts", TestRecords.podRestart());
            // 0xff... as the first string length decodes to a huge negative/positive length.
            final byte[] garbage = {0, 0, 0, 0, 1, (byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 1, 2, 3};
            final SerializationException e = assertThrows(SerializationException.class,
                    () -> serde.deserializer().deserialize("pod-restarts", garbage));
            assertTrue(e.getMessage().startsWith("cannot decode Avro record on topic pod-restarts"), e.getMessage());
        }
    }

    @Test
    void aRecordOfAnotherTypeIsReportedAsASchemaMismatch() {
        final byte[] backup = new RegistryAvroSerializer<BackupEvent>(registry).serialize("pod-restarts",
                TestRecords.backupEvent());
        try (RegistryAvroDeserializer<PodRestart> deserializer = new RegistryAvroDeserializer<>(registry, PodRestart.class)) {
            final SerializationException e = assertThrows(SerializationException.class,
                    () -> deserializer.deserialize("pod-restarts", backup));
            assertTrue(e.getMessage().startsWith("cannot read io.incidentcorrelator.avro.BackupEvent (writer schema id 1) "
                    + "as io.incidentcorrelator.avro.PodRestart on topic pod-restarts"), e.getMessage());
        }
    }

    @Test
    void anUnreachableRegistryIsNotABadRecord() {
        final byte[] bytes = new RegistryAvroSerializer<PodRestart>(registry).serialize("pod-restarts",
                TestRecords.podRestart());
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        final HttpSchemaRegistryClient down = new HttpSchemaRegistryClient("http://127.0.0.1:1",
                Map.of(RegistrySerdeConfig.CONNECT_TIMEOUT_MS, "500"));
        try (RegistryAvroDeserializer<PodRestart> deserializer = new RegistryAvroDeserializer<>(down, PodRestart.class)) {
            final RuntimeException e = assertThrows(RuntimeException.class,
                    () -> deserializer.deserialize("pod-restarts", bytes));
            assertTrue(e instanceof SchemaRegistryUnavailableException, e.toString());
            assertFalse(e instanceof SerializationException, "a good record must not look like a poison pill");
            assertTrue(e.getMessage().startsWith("cannot fetch schema id 1 for topic pod-restarts: Schema registry "
                    + "http://127.0.0.1:1 is unreachable"), e.getMessage());
        }
    }

    @Test
    void registryErrorsAreRetriableAndNotCachedButUnusableSchemasAreBadRecords() {
        final byte[] bytes = new RegistryAvroSerializer<PodRestart>(registry).serialize("pod-restarts",
                TestRecords.podRestart());
        final int[] status = {503};
        final CountingClient flaky = new CountingClient(registry) {
            @Override
            public Schema schemaById(int id) {
                fetches.incrementAndGet();
                if (status[0] != 0) {
                    throw new SchemaRegistryException("Schema registry http://r answered HTTP " + status[0], status[0],
                            -1, null, null);
                }
                return delegate.schemaById(id);
            }
        };
        try (RegistryAvroDeserializer<PodRestart> deserializer = new RegistryAvroDeserializer<>(flaky, PodRestart.class)) {
            for (int s : new int[] {503, 401, 403, 429}) {
                status[0] = s;
                assertThrows(SchemaRegistryUnavailableException.class, () -> deserializer.deserialize("pod-restarts", bytes),
                        "HTTP " + s);
            }
            status[0] = 200; // answered, but with a schema this reader cannot use (e.g. Protobuf)
            assertThrows(SerializationException.class, () -> deserializer.deserialize("pod-restarts", bytes));
            status[0] = 0;
            assertEquals(TestRecords.podRestart(), deserializer.deserialize("pod-restarts", bytes),
                    "once the registry answers, the same bytes are read: failures were not cached");
        }
    }

    @Test
    void registryFailuresWhileSerializingNameTheTopic() {
        final SchemaRegistryClient down = new CountingClient(registry) {
            @Override
            public int register(String subject, Schema schema) {
                throw new SchemaRegistryException("Schema registry http://127.0.0.1:1 is unreachable: Connection refused "
                        + "(registering subject " + subject + ")", -1, -1, null, null);
            }
        };
        final SchemaRegistryUnavailableException e = assertThrows(SchemaRegistryUnavailableException.class,
                () -> new RegistryAvroSerializer<PodRestart>(down).serialize("pod-restarts", TestRecords.podRestart()));
        assertEquals("cannot get a schema id for io.incidentcorrelator.avro.PodRestart on topic pod-restarts: Schema "
                + "registry http://127.0.0.1:1 is unreachable: Connection refused (registering subject pod-restarts-value)",
                e.getMessage());
    }

    @Test
    void serdeIsSafeToShareBetweenThreads() throws Exception {
        try (RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(registry, PodRestart.class)) {
            final List<Thread> threads = new java.util.ArrayList<>();
            final AtomicInteger failures = new AtomicInteger();
            for (int t = 0; t < 4; t++) {
                final int n = t;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 500; i++) {
                        final PodRestart record = PodRestart.newBuilder(TestRecords.podRestart())
                                .setRestartCount(n * 1000 + i).build();
                        final byte[] bytes = serde.serializer().serialize("pod-restarts", record);
                        if (!record.equals(serde.deserializer().deserialize("pod-restarts", bytes))) {
                            failures.incrementAndGet();
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join(10_000);
            }
            assertEquals(0, failures.get());
        }
    }

    /** Counts registry calls, to see the serde's caches at work. */
    static class CountingClient implements SchemaRegistryClient {
        final SchemaRegistryClient delegate;
        final AtomicInteger registers = new AtomicInteger();
        final AtomicInteger fetches = new AtomicInteger();

        CountingClient(SchemaRegistryClient delegate) {
            this.delegate = delegate;
        }

        @Override
        public int register(String subject, Schema schema) {
            registers.incrementAndGet();
            return delegate.register(subject, schema);
        }

        @Override
        public int lookupId(String subject, Schema schema) {
            return delegate.lookupId(subject, schema);
        }

        @Override
        public Schema schemaById(int id) {
            fetches.incrementAndGet();
            return delegate.schemaById(id);
        }

        @Override
        public boolean isCompatible(String subject, Schema schema) {
            return delegate.isCompatible(subject, schema);
        }

        @Override
        public String url() {
            return delegate.url();
        }
    }
}
