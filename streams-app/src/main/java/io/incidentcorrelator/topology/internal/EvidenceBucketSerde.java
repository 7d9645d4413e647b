package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.serde.AvroBinarySerde;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Store values of {@link EvidenceBucket}s: {@link AvroBinarySerde}'s format-version byte, then the
 * samples as an Avro {@code array<T>} in one block (count, items, 0), so a value reads with any Avro
 * implementation given that schema. Each sample's bytes are AvroBinarySerde's for {@code T}.
 */
public final class EvidenceBucketSerde<T extends SpecificRecord> implements Serde<EvidenceBucket<T>> {

    private final Class<T> type;
    private final AvroBinarySerde<T> items;
    private final Schema arraySchema;
    private final ThreadLocal<Reader<T>> readers;
    // Position of the sample's event time, "time" in every sample schema; -1: compare every pair.
    private final int timePosition;

    public EvidenceBucketSerde(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
        this.items = AvroBinarySerde.of(type);
        final SpecificData model = SpecificData.getForClass(type);
        final Schema itemSchema = model.getSchema(type);
        this.arraySchema = Schema.createArray(itemSchema);
        this.readers = ThreadLocal.withInitial(() -> new Reader<>(new SpecificDatumReader<>(itemSchema, itemSchema, model)));
        final Schema.Field time = itemSchema.getField("time");
        this.timePosition = time == null ? -1 : time.pos();
    }

    /** The sample's event time, or null when its schema has none. */
    Object timeOf(T sample) {
        return timePosition < 0 ? null : sample.get(timePosition);
    }

    private static final class Reader<T> {
        final SpecificDatumReader<T> reader;
        BinaryDecoder decoder;

        Reader(SpecificDatumReader<T> reader) {
            this.reader = reader;
        }
    }

    /** The schema of a value after its format-version byte. */
    public Schema schema() {
        return arraySchema;
    }

    public EvidenceBucket<T> empty() {
        return new EvidenceBucket<>(this, List.of());
    }

    /** One sample's bytes as AvroBinarySerde writes them (format-version byte first). */
    byte[] encodeItem(T sample) {
        return items.serialize(null, sample);
    }

    @Override
    public Serializer<EvidenceBucket<T>> serializer() {
        return (topic, bucket) -> serialize(bucket);
    }

    @Override
    public Deserializer<EvidenceBucket<T>> deserializer() {
        return this::deserialize;
    }

    byte[] serialize(EvidenceBucket<T> bucket) {
        if (bucket == null) {
            return null;
        }
        final int count = bucket.size();
        final int length = bucket.encodedLength();
        final byte[] out = new byte[1 + (count > 0 ? varLongSize(count) + length : 0) + 1];
        int at = 0;
        out[at++] = AvroBinarySerde.FORMAT_VERSION;
        if (count > 0) {
            at = writeVarLong(out, at, count);
            System.arraycopy(bucket.encodedItems(), 0, out, at, length);
            at += length;
        }
        out[at] = 0; // end of the array
        return out;
    }

    EvidenceBucket<T> deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length == 0 || data[0] != AvroBinarySerde.FORMAT_VERSION) {
            throw new SerializationException("not a bucket of " + type.getSimpleName() + " samples on " + topic
                    + ": " + (data.length == 0 ? "0 bytes" : "format version " + data[0] + ", expected "
                    + AvroBinarySerde.FORMAT_VERSION));
        }
        final Reader<T> r = readers.get();
        try {
            r.decoder = DecoderFactory.get().binaryDecoder(data, 1, data.length - 1, r.decoder);
            final List<T> samples = new ArrayList<>();
            for (long n = r.decoder.readArrayStart(); n != 0; n = r.decoder.arrayNext()) {
                for (long i = 0; i < n; i++) {
                    samples.add(r.reader.read(null, r.decoder));
                }
            }
            return new EvidenceBucket<>(this, samples);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode a bucket of " + type.getSimpleName() + " samples on "
                    + topic + " (truncated or corrupt?): " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static int varLongSize(long value) {
        long n = (value << 1) ^ (value >> 63);
        int size = 1;
        while ((n & ~0x7FL) != 0) {
            size++;
            n >>>= 7;
        }
        return size;
    }

    /** Avro's zig-zag varint, as {@code BinaryEncoder.writeLong} writes it. */
    private static int writeVarLong(byte[] out, int at, long value) {
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            out[at++] = (byte) ((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        out[at++] = (byte) n;
        return at;
    }
}
