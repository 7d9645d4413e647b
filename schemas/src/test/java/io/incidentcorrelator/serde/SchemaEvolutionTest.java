package io.incidentcorrelator.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.PodRestart;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.junit.jupiter.api.Test;

/** Today's readers against data written with older and newer schemas, and the registry's compatibility gate. */
class SchemaEvolutionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("mock://evolution");

    /** PodRestart as it was before {@code waitingReason} and {@code message} were added. */
    static Schema podRestartV1() {
        final Schema current = PodRestart.getClassSchema();
        final List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            if (!f.name().equals("waitingReason") && !f.name().equals("message")) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    }

    /** A future BackupEvent: one more optional field and one more BackupPhase symbol. */
    static Schema backupEventV3() throws Exception {
        final ObjectNode schema = (ObjectNode) JSON.readTree(BackupEvent.getClassSchema().toString());
        final ArrayNode fields = (ArrayNode) schema.get("fields");
        for (int i = 0; i < fields.size(); i++) {
            final ObjectNode field = (ObjectNode) fields.get(i);
            if (field.get("name").asText().equals("phase")) {
                ((ArrayNode) field.get("type").get("symbols")).insert(6, "SNAPSHOT_START");
            }
        }
        final ObjectNode bytesWritten = JSON.createObjectNode();
        bytesWritten.put("name", "bytesWritten");
        bytesWritten.set("type", JSON.readTree("[\"null\",\"long\"]"));
        bytesWritten.putNull("default");
        fields.add(bytesWritten);
        return new Schema.Parser().parse(schema.toString());
    }

    @Test
    void readsDataWrittenWithAnOlderSchema() {
        final Schema v1 = podRestartV1();
        final int id = registry.register("pod-restarts-value", v1);
        final GenericRecord old = new GenericRecordBuilder(v1)
                .set("cluster", "prod").set("namespace", "payments").set("pod", "api-1").set("container", "api")
                .set("node", "k8s-worker-1").set("restartCount", 3).set("terminatedReason", "OOMKilled")
                .set("exitCode", 137).set("finishedAt", TestRecords.T0.toEpochMilli())
                .build();

        final PodRestart read = new RegistryAvroDeserializer<>(registry, PodRestart.class)
                .deserialize("pod-restarts", Frames.frame(id, v1, old));

        assertEquals("api-1", read.getPod());
        assertEquals(137, read.getExitCode());
        assertEquals(TestRecords.T0, read.getFinishedAt());
        assertNull(read.getWaitingReason(), "added field gets its default");
        assertNull(read.getMessage(), "added field gets its default");
    }

    @Test
    void readsDataWrittenWithANewerSchemaAndMapsUnknownEnumSymbolsToTheDefault() throws Exception {
        registry.register("backup-events-value", BackupEvent.getClassSchema());
        final Schema v3 = backupEventV3();
        assertTrue(registry.isCompatible("backup-events-value", v3), "adding an optional field and a symbol is BACKWARD");
        final int id = registry.register("backup-events-value", v3);
        assertEquals(2, id);

        final GenericData.Record future = new GenericRecordBuilder(v3)
                .set("host", "pve1")
                .set("phase", new GenericData.EnumSymbol(v3.getField("phase").schema(), "SNAPSHOT_START"))
                .set("vmid", 101).set("storage", "pbs-main").set("time", TestRecords.T0.toEpochMilli())
                .set("bytesWritten", 123_456_789L)
                .build();
        final GenericRecord knownPhase = new GenericRecordBuilder(future)
                .set("phase", new GenericData.EnumSymbol(v3.getField("phase").schema(), "BACKUP_END"))
                .build();

        final RegistryAvroDeserializer<BackupEvent> deserializer = new RegistryAvroDeserializer<>(registry, BackupEvent.class);
        final BackupEvent read = deserializer.deserialize("backup-events", Frames.frame(id, v3, future));
        assertEquals(BackupPhase.UNKNOWN, read.getPhase(), "unknown symbol falls back to the enum default");
        assertEquals("pve1", read.getHost());
        assertEquals(101, read.getVmid());
        assertEquals(TestRecords.T0, read.getTime());

        assertEquals(BackupPhase.BACKUP_END,
                deserializer.deserialize("backup-events", Frames.frame(id, v3, knownPhase)).getPhase());
    }

    @Test
    void oldAndNewDataOnOneTopicBothRead() {
        final Schema v1 = podRestartV1();
        assertEquals(1, registry.register("pod-restarts-value", v1));
        final RegistryAvroSerde<PodRestart> serde = new RegistryAvroSerde<>(registry, PodRestart.class);
        final byte[] current = serde.serializer().serialize("pod-restarts", TestRecords.podRestart());
        assertEquals(2, Frames.schemaId(current), "today's schema is version 2 of the subject");
        assertEquals(List.of(1, 2), registry.versions("pod-restarts-value").stream()
                .map(InMemorySchemaRegistry.Version::version).toList());
        assertEquals(TestRecords.podRestart(), serde.deserializer().deserialize("pod-restarts", current));
    }

    @Test
    void incompatibleChangesAreRejected() throws Exception {
        registry.register("pod-restarts-value", PodRestart.getClassSchema());

        // A new required field without a default: today's data could not be read with it.
        final ObjectNode withRequired = (ObjectNode) JSON.readTree(PodRestart.getClassSchema().toString());
        ((ArrayNode) withRequired.get("fields")).add(JSON.readTree("{\"name\":\"uid\",\"type\":\"string\"}"));
        final Schema required = new Schema.Parser().parse(withRequired.toString());

        assertFalse(registry.isCompatible("pod-restarts-value", required));
        final SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> registry.register("pod-restarts-value", required));
        assertEquals(409, e.httpStatus());
        assertEquals(409, e.errorCode());
        assertTrue(e.getMessage().startsWith("Schema registry mock://evolution answered HTTP 409, error_code 409: Schema "
                + "being registered is incompatible with version 1 of subject pod-restarts-value (BACKWARD)"), e.getMessage());
        assertTrue(e.getMessage().contains("uid"), "names the offending field: " + e.getMessage());
        assertEquals(1, registry.versions("pod-restarts-value").size(), "nothing was registered");

        // Changing a field's type: int restartCount to string.
        final Schema retyped = new Schema.Parser().parse(PodRestart.getClassSchema().toString()
                .replace("{\"name\":\"restartCount\",\"type\":\"int\"", "{\"name\":\"restartCount\",\"type\":\"string\""));
        assertFalse(registry.isCompatible("pod-restarts-value", retyped));

        // The serializer surfaces a rejection as a SerializationException naming the topic: here the subject already
        // holds a version where restartCount is a string, which today's int field cannot read.
        final RegistryAvroSerializer<PodRestart> serializer = new RegistryAvroSerializer<>(registry);
        registry.clear();
        registry.register("pod-restarts-value", retyped);
        final var serializationError = assertThrows(org.apache.kafka.common.errors.SerializationException.class,
                () -> serializer.serialize("pod-restarts", TestRecords.podRestart()));
        assertTrue(serializationError.getMessage().contains("on topic pod-restarts"), serializationError.getMessage());
        assertTrue(serializationError.getMessage().contains("HTTP 409"), serializationError.getMessage());
    }

    @Test
    void compatibilityNoneAcceptsAnything() throws Exception {
        registry.setCompatibility(InMemorySchemaRegistry.Compatibility.NONE);
        registry.register("pod-restarts-value", PodRestart.getClassSchema());
        final Schema retyped = new Schema.Parser().parse(PodRestart.getClassSchema().toString()
                .replace("{\"name\":\"restartCount\",\"type\":\"int\"", "{\"name\":\"restartCount\",\"type\":\"string\""));
        assertEquals(2, registry.register("pod-restarts-value", retyped));
    }

    @Test
    void forwardCompatibilityChecksTheOtherDirection() {
        registry.setCompatibility(InMemorySchemaRegistry.Compatibility.FORWARD);
        registry.register("pod-restarts-value", PodRestart.getClassSchema());
        // Dropping optional fields is FORWARD compatible: the old reader fills in the defaults.
        assertTrue(registry.isCompatible("pod-restarts-value", podRestartV1()));
        registry.setCompatibility(InMemorySchemaRegistry.Compatibility.FULL);
        assertTrue(registry.isCompatible("pod-restarts-value", podRestartV1()), "optional fields: FULL compatible too");
    }
}
