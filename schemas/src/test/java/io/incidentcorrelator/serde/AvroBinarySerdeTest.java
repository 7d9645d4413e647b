package io.incidentcorrelator.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.ClassifiedRestart;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroBinarySerdeTest {

    @Test
    void internalRecordsRoundTrip() {
        final AvroBinarySerde<CorrelationEvent> events = AvroBinarySerde.of(CorrelationEvent.class);
        for (Object payload : List.of(TestRecords.podRestart(), TestRecords.backupEvent(), TestRecords.etcdLatencySample(),
                TestRecords.memorySample(), ClockTick.newBuilder().setTime(TestRecords.T0).build())) {
            final CorrelationEvent event = CorrelationEvent.newBuilder().setPayload(payload).build();
            final byte[] bytes = events.serializer().serialize("events-by-cluster", event);
            assertEquals(AvroBinarySerde.FORMAT_VERSION, bytes[0]);
            assertEquals(event, events.deserializer().deserialize("events-by-cluster", bytes));
        }

        // Created before the builder runs: Avro 1.12.2 builds the default of the evidence array by decoding it, which
        // needs the Evidence class trusted, and creating the serde is what trusts it.
        final AvroBinarySerde<ClassifiedRestart> store = new AvroBinarySerde<>(ClassifiedRestart.class);
        final ClassifiedRestart state = ClassifiedRestart.newBuilder()
                .setRestart(TestRecords.podRestart())
                .setHost("pve2")
                .setClassified(true)
                .setCategory(IncidentCategory.HOST_MEMORY_PRESSURE)
                .setContributingFactors(List.of(IncidentCategory.BACKUP_IO_CONTENTION))
                .setNotes(List.of("pve2 memory 97%"))
                .build();
        assertEquals(state, store.deserialize("store", store.serialize("store", state)));
    }

    @Test
    void noRegistryFramingJustAVersionByte() {
        final AvroBinarySerde<PodRestart> serde = AvroBinarySerde.of(PodRestart.class);
        final byte[] bytes = serde.serialize("t", TestRecords.podRestart());
        final byte[] framed = new RegistryAvroSerializer<PodRestart>(new InMemorySchemaRegistry())
                .serialize("t", TestRecords.podRestart());
        // Same Avro body; 1 byte of prefix instead of 5.
        assertEquals(framed.length - 4, bytes.length);
        assertTrue(Arrays.equals(bytes, 1, bytes.length, framed, 5, framed.length));
    }

    @Test
    void nullsAndErrors() {
        final AvroBinarySerde<BackupEvent> serde = AvroBinarySerde.of(BackupEvent.class);
        assertNull(serde.serialize("t", null));
        assertNull(serde.deserialize("t", null));

        SerializationException e = assertThrows(SerializationException.class,
                () -> serde.deserialize("app-store-changelog", new byte[] {0, 0, 0, 0, 1}));
        assertEquals("unknown format version 0x00 on app-store-changelog (expected 0x01: not written by AvroBinarySerde of "
                + "BackupEvent)", e.getMessage());

        e = assertThrows(SerializationException.class, () -> serde.deserialize("t", new byte[0]));
        assertTrue(e.getMessage().startsWith("record too short"), e.getMessage());

        final byte[] ok = serde.serialize("t", TestRecords.backupEvent());
        e = assertThrows(SerializationException.class,
                () -> serde.deserialize("t", Arrays.copyOf(ok, ok.length - 3)));
        assertTrue(e.getMessage().startsWith("cannot decode io.incidentcorrelator.avro.BackupEvent on t"), e.getMessage());
    }

    @Test
    void safeAcrossThreads() throws Exception {
        final AvroBinarySerde<PodRestart> serde = AvroBinarySerde.of(PodRestart.class);
        final AtomicInteger failures = new AtomicInteger();
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int n = t;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 2_000; i++) {
                    final PodRestart record = PodRestart.newBuilder(TestRecords.podRestart())
                            .setPod("pod-" + n + "-" + i).setMessage(i % 2 == 0 ? null : "x".repeat(i)).build();
                    if (!record.equals(serde.deserialize("t", serde.serialize("t", record)))) {
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
