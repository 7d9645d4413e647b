package io.incidentcorrelator.serde;

import io.incidentcorrelator.serde.internal.CompiledAvroWriter;
import io.incidentcorrelator.serde.internal.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Plain Avro binary for data only this application reads back: internal repartition topics and state stores. No registry
 * and no schema id: one format-version byte ({@value #FORMAT_VERSION}), then the record in {@code T}'s current schema.
 *
 * <p>Because the schema is not stored, changing {@code T}'s schema in a way that changes the encoding needs a reset of
 * the application's internal topics and stores (or a new format version). Thread-safe; buffers are reused per thread.
 */
public final class AvroBinarySerde<T extends SpecificRecord> implements Serde<T> {

    /** First byte of every value; lets a later version change the encoding and still read old state. */
    public static final byte FORMAT_VERSION = 1;

    private final Class<T> type;
    private final Schema schema;
    // Datum readers/writers keep per-read state in some versions of Avro, so each thread gets its own set.
    private final ThreadLocal<Codec<T>> codecs;
    // Writes the same bytes as the datum writer at about half the cost; absent for schemas it does not cover.
    private final CompiledAvroWriter compiled;

    public AvroBinarySerde(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
        AvroClassTrust.trust(type);
        final SpecificData model = SpecificData.getForClass(type);
        this.schema = model.getSchema(type);
        this.compiled = CompiledAvroWriter.forSchema(schema, model).orElse(null);
        this.codecs = ThreadLocal.withInitial(() -> new Codec<>(
                new SpecificDatumWriter<>(schema, model), new SpecificDatumReader<>(schema, schema, model)));
    }

    /** Whether records of this type are written by the compiled writer rather than Avro's datum writer. */
    boolean compiled() {
        return compiled != null;
    }

    public static <T extends SpecificRecord> AvroBinarySerde<T> of(Class<T> type) {
        return new AvroBinarySerde<>(type);
    }

    private static final class Codec<T> {
        final SpecificDatumWriter<T> writer;
        final SpecificDatumReader<T> reader;
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder;
        BinaryDecoder decoder;

        Codec(SpecificDatumWriter<T> writer, SpecificDatumReader<T> reader) {
            this.writer = writer;
            this.reader = reader;
        }
    }

    @Override
    public Serializer<T> serializer() {
        return this::serialize;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this::deserialize;
    }

    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        final Codec<T> codec = codecs.get();
        codec.out.reset();
        codec.out.write(FORMAT_VERSION);
        try {
            codec.encoder = EncoderFactory.get().binaryEncoder(codec.out, codec.encoder);
            if (compiled != null) {
                compiled.write(record, codec.encoder);
            } else {
                codec.writer.write(record, codec.encoder);
            }
            codec.encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + schema.getFullName() + " for " + topic + ": "
                    + e.getMessage(), e);
        }
        final byte[] bytes = codec.out.toByteArray();
        if (codec.out.size() > 64 * 1024) {
            // Do not let one huge record pin a large buffer to the thread for good.
            codecs.remove();
        }
        return bytes;
    }

    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length == 0) {
            throw new SerializationException("record too short on " + topic + ": 0 bytes, expected the format version byte");
        }
        if (data[0] != FORMAT_VERSION) {
            throw new SerializationException("unknown format version " + WireFormat.hex(data[0]) + " on " + topic
                    + " (expected " + WireFormat.hex(FORMAT_VERSION) + ": not written by AvroBinarySerde of "
                    + type.getSimpleName() + ")");
        }
        final Codec<T> codec = codecs.get();
        try {
            codec.decoder = DecoderFactory.get().binaryDecoder(data, 1, data.length - 1, codec.decoder);
            return codec.reader.read(null, codec.decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode " + type.getName() + " on " + topic
                    + " (truncated or corrupt payload?): " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
