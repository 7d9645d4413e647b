package io.incidentcorrelator.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.avro.internal.ClassifiedRestart;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.serde.internal.CompiledAvroWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The compiled writer must write exactly Avro's bytes, or state and internal topics would not read back. */
class CompiledAvroWriterTest {

    static {
        AvroClassTrust.trustGeneratedClasses();
    }

    private static final List<Class<? extends SpecificRecord>> INTERNAL_TYPES = List.of(CorrelationEvent.class,
            ClassifiedRestart.class, Incident.class, BackupEvent.class, MemorySample.class, EtcdLatencySample.class,
            ClockTick.class, PodRestart.class, NodePlacement.class, StorageLocation.class);

    @Test
    void writesAvrosBytesForEveryRecordWeHave() throws IOException {
        final List<SpecificRecord> records = new ArrayList<>(TestRecords.contractSamples().values());
        for (Object payload : List.of(TestRecords.podRestart(), TestRecords.backupEvent(), TestRecords.etcdLatencySample(),
                TestRecords.memorySample(), ClockTick.newBuilder().setTime(TestRecords.T0).build())) {
            records.add(CorrelationEvent.newBuilder().setPayload(payload).build());
        }
        records.add(ClassifiedRestart.newBuilder().setRestart(TestRecords.podRestart()).setHost("pve2")
                .setClassified(true).setCategory(IncidentCategory.BACKUP_IO_CONTENTION)
                .setContributingFactors(List.of(IncidentCategory.ETCD_DISK_LATENCY, IncidentCategory.HOST_MEMORY_PRESSURE))
                .setNotes(List.of("pve2 memory 97%", "")).build());
        records.add(ClassifiedRestart.newBuilder().setRestart(TestRecords.podRestart()).build());
        for (SpecificRecord record : records) {
            assertSameBytes(record);
        }
    }

    @Test
    void writesAvrosBytesForRandomSamplesWithAndWithoutOptionalFields() throws IOException {
        final Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            final MemorySample memory = MemorySample.newBuilder()
                    .setHost("pve-" + random.nextInt(100) + (random.nextBoolean() ? "ü" : ""))
                    .setVmid(random.nextBoolean() ? null : random.nextInt(Integer.MAX_VALUE) - random.nextInt(1000))
                    .setVmName(random.nextBoolean() ? null : "vm-" + random.nextLong())
                    .setMemUsedBytes(random.nextLong())
                    .setMemTotalBytes(random.nextInt())
                    .setBalloonActualBytes(random.nextBoolean() ? null : random.nextLong())
                    .setBalloonMaxBytes(random.nextBoolean() ? null : (long) random.nextInt(5))
                    .setMemPressureSomeAvg10(random.nextBoolean() ? null : random.nextDouble() * 100)
                    .setCpuUsage(random.nextBoolean() ? null : Double.NaN)
                    .setIoWait(random.nextBoolean() ? null : -random.nextDouble())
                    .setTime(Instant.ofEpochMilli(random.nextLong() >>> 20))
                    .build();
            final EtcdLatencySample etcd = EtcdLatencySample.newBuilder()
                    .setCluster("c" + random.nextInt(3)).setMember("m" + random.nextInt())
                    .setWalFsyncP99Ms(random.nextGaussian())
                    .setBackendCommitP99Ms(random.nextBoolean() ? null : random.nextDouble())
                    .setSlowApplies(random.nextBoolean() ? null : random.nextInt())
                    .setDbSizeBytes(random.nextBoolean() ? null : random.nextLong())
                    .setDbSizeInUseBytes(random.nextBoolean() ? null : 0L)
                    .setLeader(random.nextBoolean() ? null : random.nextBoolean())
                    .setTime(Instant.ofEpochMilli(random.nextInt() & 0x7fffffff))
                    .build();
            final BackupEvent backup = BackupEvent.newBuilder(TestRecords.backupEvent())
                    .setPhase(BackupPhase.values()[random.nextInt(BackupPhase.values().length)])
                    .setTargetHost(random.nextBoolean() ? null : "pbs")
                    .setVmid(random.nextBoolean() ? null : random.nextInt(1000))
                    .build();
            assertSameBytes(memory);
            assertSameBytes(etcd);
            assertSameBytes(CorrelationEvent.newBuilder().setPayload(random.nextBoolean() ? memory : backup).build());
        }
    }

    @Test
    void everyInternalTypeIsCoveredSoNoneFallsBackToTheSlowWriterUnnoticed() {
        for (Class<? extends SpecificRecord> type : INTERNAL_TYPES) {
            assertTrue(AvroBinarySerde.of(type).compiled(), type.getSimpleName() + " is written by Avro's datum writer");
        }
    }

    @Test
    void declinesSchemasWithTypesItDoesNotCover() {
        final Schema withFixed = SchemaBuilder.record("R").fields().name("f").type().fixed("F").size(4).noDefault()
                .endRecord();
        assertTrue(CompiledAvroWriter.forSchema(withFixed, SpecificData.get()).isEmpty());
        final Schema decimal = SchemaBuilder.record("D").fields().name("d")
                .type(org.apache.avro.LogicalTypes.decimal(9, 2).addToSchema(Schema.create(Schema.Type.BYTES)))
                .noDefault().endRecord();
        assertTrue(CompiledAvroWriter.forSchema(decimal, SpecificData.get()).isEmpty());
    }

    @Test
    void aMissingRequiredFieldIsASerializationErrorNamingTheTopic() {
        final MemorySample broken = TestRecords.memorySample();
        broken.setHost(null);
        final SerializationException e = assertThrows(SerializationException.class,
                () -> AvroBinarySerde.of(MemorySample.class).serialize("host-samples-changelog", broken));
        assertTrue(e.getMessage().contains("host-samples-changelog"), e.getMessage());
    }

    private static void assertSameBytes(SpecificRecord record) throws IOException {
        final Schema schema = record.getSchema();
        final SpecificData model = SpecificData.getForClass(record.getClass());
        final ByteArrayOutputStream avro = new ByteArrayOutputStream();
        final BinaryEncoder avroEncoder = EncoderFactory.get().binaryEncoder(avro, null);
        new SpecificDatumWriter<SpecificRecord>(schema, model).write(record, avroEncoder);
        avroEncoder.flush();

        final ByteArrayOutputStream ours = new ByteArrayOutputStream();
        final BinaryEncoder ourEncoder = EncoderFactory.get().binaryEncoder(ours, null);
        CompiledAvroWriter.forSchema(schema, model).orElseThrow().write(record, ourEncoder);
        ourEncoder.flush();
        assertArrayEquals(avro.toByteArray(), ours.toByteArray(), () -> "bytes differ for " + record);
    }
}
