package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.classify.Events;
import io.incidentcorrelator.serde.AvroBinarySerde;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.incidentcorrelator.classify.Events.at;
import static org.junit.jupiter.api.Assertions.*;

class EvidenceBucketTest {

    private final EvidenceBucketSerde<MemorySample> serde = new EvidenceBucketSerde<>(MemorySample.class);

    private static MemorySample sample(String hhmmss, double cpu) {
        return MemorySample.newBuilder(Events.host("ruapehu", "03:00", 0.5, cpu, 0.02)).setTime(at(hhmmss)).build();
    }

    /** What Avro itself writes for {@code array<MemorySample>}, behind AvroBinarySerde's version byte. */
    private static byte[] avroArray(List<MemorySample> samples) throws IOException {
        final Schema schema = Schema.createArray(MemorySample.getClassSchema());
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(AvroBinarySerde.FORMAT_VERSION);
        final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<List<MemorySample>>(schema, SpecificData.get()).write(samples, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Test
    void aBucketIsStoredAsAnAvroArrayOfItsSamplesAndReadBackEqual() throws IOException {
        final EvidenceBucket<MemorySample> bucket = serde.empty();
        assertArrayEquals(avroArray(List.of()), serde.serializer().serialize("t", bucket));
        final List<MemorySample> added = new ArrayList<>();
        for (int i = 0; i < 200; i++) { // enough for the varint count and the buffer to grow
            final MemorySample s = MemorySample.newBuilder(sample("03:00:00", i / 200.0)).setVmName("vm-" + i).build();
            assertTrue(bucket.add(s));
            added.add(s);
        }
        final byte[] bytes = serde.serializer().serialize("t", bucket);
        assertArrayEquals(avroArray(added), bytes);
        assertEquals(added, serde.deserializer().deserialize("t", bytes).samples());
    }

    @Test
    void anIdenticalSampleIsHeldOnceADifferentOneWithTheSameTimeTwice() {
        final EvidenceBucket<MemorySample> bucket = serde.empty();
        assertTrue(bucket.add(sample("03:00:10", 0.97)));
        assertFalse(bucket.add(sample("03:00:10", 0.97)), "the same sample sent once per cluster on its host");
        assertTrue(bucket.add(sample("03:00:10", 0.40)), "another sample of the same instant is evidence too");
        assertEquals(2, bucket.size());
    }

    @Test
    void aBucketReadFromTheStoreTakesMoreSamplesAndStillDropsCopies() throws IOException {
        final EvidenceBucket<MemorySample> first = serde.empty();
        first.add(sample("03:00:00", 0.5));
        first.add(sample("03:00:10", 0.6));
        final EvidenceBucket<MemorySample> restored = serde.deserializer().deserialize("t",
                serde.serializer().serialize("t", first));
        assertFalse(restored.add(sample("03:00:10", 0.6)));
        assertTrue(restored.add(sample("03:00:20", 0.7)));
        assertArrayEquals(avroArray(List.of(sample("03:00:00", 0.5), sample("03:00:10", 0.6), sample("03:00:20", 0.7))),
                serde.serializer().serialize("t", restored));
    }

    @Test
    void aBucketWrittenAtACommitAndAddedToAfterwardsIsWrittenWholeAtTheNext() throws IOException {
        // The store's commit buffer keeps the same bucket object across commits.
        final EvidenceBucket<MemorySample> bucket = serde.empty();
        bucket.add(sample("03:00:00", 0.5));
        assertArrayEquals(avroArray(List.of(sample("03:00:00", 0.5))), serde.serializer().serialize("t", bucket));
        assertTrue(bucket.add(sample("03:00:10", 0.6)));
        assertFalse(bucket.add(sample("03:00:00", 0.5)));
        assertArrayEquals(avroArray(List.of(sample("03:00:00", 0.5), sample("03:00:10", 0.6))),
                serde.serializer().serialize("t", bucket));
    }

    @Test
    void bucketsStartOnTheMinuteEvenBefore1970() {
        assertEquals(at("03:00").toEpochMilli(), EvidenceBucket.startOf(at("03:00:59").toEpochMilli()));
        assertEquals(at("03:01").toEpochMilli(), EvidenceBucket.startOf(at("03:01").toEpochMilli()));
        assertEquals(-60_000, EvidenceBucket.startOf(-1));
        assertEquals(Instant.EPOCH.toEpochMilli(), EvidenceBucket.startOf(59_999));
    }

    @Test
    void aValueNotWrittenAsABucketIsRefusedNamingTheTypeAndTopic() {
        final EvidenceBucketSerde<EtcdLatencySample> etcd = new EvidenceBucketSerde<>(EtcdLatencySample.class);
        final SerializationException wrongVersion = assertThrows(SerializationException.class,
                () -> etcd.deserializer().deserialize("etcd-samples-by-minute-changelog", new byte[]{7, 2}));
        assertTrue(wrongVersion.getMessage().contains("EtcdLatencySample")
                && wrongVersion.getMessage().contains("etcd-samples-by-minute-changelog"), wrongVersion.getMessage());
        final SerializationException truncated = assertThrows(SerializationException.class,
                () -> etcd.deserializer().deserialize("etcd-samples-by-minute-changelog",
                        new byte[]{AvroBinarySerde.FORMAT_VERSION, 4, 2}));
        assertTrue(truncated.getMessage().contains("truncated or corrupt"), truncated.getMessage());
    }
}
