package io.incidentcorrelator.testsupport;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.serde.RegistryAvroSerializer;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.topics.TopicNames;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A corpus of bad records for every input topic, each with what should become of it: bytes that
 * are not a record of the topic (dead-lettered by the deserialization handler), records that
 * decode but carry impossible values (dead-lettered by validation), and bad records of the global
 * tables (skipped and counted: Kafka Streams cannot dead-letter from the global thread).
 */
public final class PoisonPills {

    public enum Outcome { DESERIALIZATION, VALIDATION, SKIPPED }

    /** @param reason a substring of the dead-letter reason header */
    public record Pill(String name, String topic, String key, byte[] value, Outcome outcome, String reason) {
        @Override
        public String toString() {
            return topic + ": " + name;
        }
    }

    private PoisonPills() {
    }

    /**
     * @param registry the registry the application reads from; schemas of the mismatching pills are registered in it
     * @param around   a valid event time near the good records
     * @param now      the wall clock the validation compares with ("next year")
     */
    public static List<Pill> corpus(TopicNames names, SchemaRegistryClient registry, Instant around, Instant now) {
        final Random random = new Random(4);
        final List<Pill> pills = new ArrayList<>();
        final Instant nextYear = now.plus(Duration.ofDays(366));
        final Instant epoch = Instant.EPOCH;

        final PodRestart restart = PodRestart.newBuilder()
                .setCluster("prod").setNamespace("kube-system").setPod("poison-pod").setContainer("c")
                .setNode("talos-cp-01").setRestartCount(1).setFinishedAt(around).build();
        final BackupEvent backup = BackupEvent.newBuilder().setHost("ruapehu").setPhase(BackupPhase.JOB_START)
                .setJobId("backup-poison").setTime(around).build();
        final EtcdLatencySample etcd = EtcdLatencySample.newBuilder().setCluster("prod").setMember("talos-cp-01")
                .setTime(around).setWalFsyncP99Ms(1.0).setBackendCommitP99Ms(1.0).build();
        final MemorySample memory = MemorySample.newBuilder().setHost("ruapehu").setMemTotalBytes(1L << 35)
                .setMemUsedBytes(1L << 33).setTime(around).build();

        deserialization(pills, random, registry, names.podRestarts(), "prod/kube-system/poison-pod/c", restart, backup, "cluster");
        deserialization(pills, random, registry, names.backupEvents(), "ruapehu/backup-poison", backup, etcd, "host");
        deserialization(pills, random, registry, names.etcdLatency(), "prod/talos-cp-01", etcd, memory, "cluster");
        deserialization(pills, random, registry, names.proxmoxMemory(), "ruapehu", memory, restart, "host");

        final String longName = "x".repeat(10_000);
        validation(pills, registry, names.podRestarts(), "finishedAt in 1970",
                PodRestart.newBuilder(restart).setFinishedAt(epoch).build(), "is before 2000");
        validation(pills, registry, names.podRestarts(), "finishedAt next year",
                PodRestart.newBuilder(restart).setFinishedAt(nextYear).build(), "is in the future");
        // Within a day but beyond the broker's default 1 h limit for future timestamps.
        validation(pills, registry, names.podRestarts(), "finishedAt in two hours",
                PodRestart.newBuilder(restart).setFinishedAt(now.plus(Duration.ofHours(2))).build(), "is in the future");
        validation(pills, registry, names.podRestarts(), "negative restart count",
                PodRestart.newBuilder(restart).setRestartCount(-3).build(), "restartCount is negative");
        validation(pills, registry, names.podRestarts(), "absurdly long pod name",
                PodRestart.newBuilder(restart).setPod(longName).build(), "pod is 10000 characters long");
        validation(pills, registry, names.podRestarts(), "absurdly long message",
                PodRestart.newBuilder(restart).setMessage("y".repeat(200_000)).build(), "message is 200000 characters");
        validation(pills, registry, names.podRestarts(), "empty cluster",
                PodRestart.newBuilder(restart).setCluster("").build(), "cluster is empty");
        validation(pills, registry, names.backupEvents(), "time in 1970",
                BackupEvent.newBuilder(backup).setTime(epoch).build(), "is before 2000");
        validation(pills, registry, names.backupEvents(), "negative vmid",
                BackupEvent.newBuilder(backup).setVmid(-5).build(), "vmid is negative");
        validation(pills, registry, names.backupEvents(), "absurdly long host",
                BackupEvent.newBuilder(backup).setHost(longName).build(), "host is 10000 characters long");
        validation(pills, registry, names.etcdLatency(), "time next year",
                EtcdLatencySample.newBuilder(etcd).setTime(nextYear).build(), "is in the future");
        validation(pills, registry, names.etcdLatency(), "negative db size",
                EtcdLatencySample.newBuilder(etcd).setDbSizeBytes(-1L).build(), "dbSizeBytes is negative");
        validation(pills, registry, names.etcdLatency(), "negative latency",
                EtcdLatencySample.newBuilder(etcd).setWalFsyncP99Ms(-3.0).build(), "walFsyncP99Ms must be a non-negative");
        validation(pills, registry, names.proxmoxMemory(), "negative used bytes",
                MemorySample.newBuilder(memory).setMemUsedBytes(-1L).build(), "memUsedBytes is negative");
        validation(pills, registry, names.proxmoxMemory(), "zero total",
                MemorySample.newBuilder(memory).setMemTotalBytes(0L).build(), "memTotalBytes must be positive");
        validation(pills, registry, names.proxmoxMemory(), "cpu usage 700%",
                MemorySample.newBuilder(memory).setCpuUsage(7.0).build(), "cpuUsage must be a ratio");

        // Global tables: read by the global thread, which cannot write dead letters.
        pills.add(new Pill("random bytes", names.inventory(), "prod/poison-node", randomBytes(random), Outcome.SKIPPED, null));
        final byte[] location = new RegistryAvroSerializer<StorageLocation>(registry).serialize(names.storageLocations(),
                StorageLocation.newBuilder().setStorage("pbs-poison").setHost("pihanga").build());
        location[0] = 1;
        pills.add(new Pill("wrong magic byte", names.storageLocations(), "pbs-poison", location, Outcome.SKIPPED, null));
        return pills;
    }

    private static void deserialization(List<Pill> pills, Random random, SchemaRegistryClient registry, String topic,
                                        String key, SpecificRecord good, SpecificRecord other, String requiredField) {
        final byte[] valid = serialize(registry, topic, good);

        pills.add(new Pill("random bytes", topic, key, randomBytes(random), Outcome.DESERIALIZATION, "unknown magic byte 0x7f"));
        final byte[] wrongMagic = valid.clone();
        wrongMagic[0] = 1;
        pills.add(new Pill("wrong magic byte", topic, key, wrongMagic, Outcome.DESERIALIZATION, "unknown magic byte 0x01"));
        pills.add(new Pill("unknown schema id", topic, key, new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 2, 'x'},
                Outcome.DESERIALIZATION, "schema id 2147483632 not found"));
        pills.add(new Pill("empty value", topic, key, new byte[0], Outcome.DESERIALIZATION, "record too short"));
        pills.add(new Pill("truncated", topic, key, Arrays.copyOf(valid, valid.length / 2), Outcome.DESERIALIZATION,
                "cannot decode Avro record"));
        // Valid framing and a registered schema, but of another record type.
        pills.add(new Pill("another record type", topic, key, serialize(registry, "poison-other-" + topic, other),
                Outcome.DESERIALIZATION, "the schemas are incompatible"));

        final Schema schema = good.getSchema();
        final GenericRecord values = toGeneric(good);
        final GenericData model = ((SpecificRecordBase) good).getSpecificData(); // knows the logical types
        // A writer that left out a field the contract requires (no default to fill it in).
        final Schema missing = copyOf(schema, requiredField, false);
        pills.add(new Pill("missing required field " + requiredField, topic, key,
                frame(registry, "poison-missing-" + topic, missing, values, requiredField, false, model),
                Outcome.DESERIALIZATION, "the schemas are incompatible"));
        // A writer that made a required field nullable and sent null.
        final Schema nullable = copyOf(schema, requiredField, true);
        pills.add(new Pill("null " + requiredField, topic, key,
                frame(registry, "poison-nullable-" + topic, nullable, values, requiredField, true, model),
                Outcome.DESERIALIZATION, "cannot"));
    }

    private static void validation(List<Pill> pills, SchemaRegistryClient registry, String topic, String name,
                                   SpecificRecord record, String reason) {
        pills.add(new Pill(name, topic, "poison/" + name.replace(' ', '-'), serialize(registry, topic, record),
                Outcome.VALIDATION, reason));
    }

    private static byte[] randomBytes(Random random) {
        final byte[] bytes = new byte[64];
        random.nextBytes(bytes);
        bytes[0] = 0x7f;
        return bytes;
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> byte[] serialize(SchemaRegistryClient registry, String topic, T record) {
        return new RegistryAvroSerializer<T>(registry).serialize(topic, record);
    }

    private static GenericRecord toGeneric(SpecificRecord record) {
        final GenericData.Record out = new GenericData.Record(record.getSchema());
        for (Schema.Field f : record.getSchema().getFields()) {
            out.put(f.pos(), record.get(f.pos()));
        }
        return out;
    }

    /** The schema without {@code field} (dropped), or with it as a nullable union (nullable). */
    private static Schema copyOf(Schema schema, String field, boolean nullable) {
        final List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            if (f.name().equals(field)) {
                if (nullable) {
                    fields.add(new Schema.Field(f.name(), Schema.createUnion(Schema.create(Schema.Type.NULL), f.schema()),
                            null, Schema.Field.NULL_DEFAULT_VALUE));
                }
            } else {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    /** Confluent framing by hand: the serializer under test would refuse these records. */
    private static byte[] frame(SchemaRegistryClient registry, String subject, Schema writer, GenericRecord values,
                                String field, boolean nullValue, GenericData model) {
        final int id = registry.register(subject, writer);
        final GenericData.Record record = new GenericData.Record(writer);
        for (Schema.Field f : writer.getFields()) {
            record.put(f.name(), f.name().equals(field) && nullValue ? null : values.get(f.name()));
        }
        try {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(id).array());
            final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(writer, model).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
