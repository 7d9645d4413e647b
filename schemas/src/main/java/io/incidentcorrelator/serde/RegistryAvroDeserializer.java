package io.incidentcorrelator.serde;

import io.incidentcorrelator.serde.internal.BoundedCache;
import io.incidentcorrelator.serde.internal.ConfigValues;
import io.incidentcorrelator.serde.internal.WireFormat;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-framed Avro into specific records of type {@code T}: the writer schema is fetched from the registry by
 * the id in the record, the reader schema is {@code T}'s, and Avro schema resolution bridges them (fields added since
 * get their defaults, unknown enum symbols become the enum's default). Null bytes give null (tombstones).
 *
 * <p>Every problem with a record is a {@link SerializationException} naming the topic. A registry that cannot answer
 * (unreachable, timeout, 5xx, credentials rejected) is not a problem with the record: that is a
 * {@link SchemaRegistryUnavailableException}, so that error handlers can retry instead of skipping. Thread-safe.
 */
public final class RegistryAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private static final int MAX_CACHED_SCHEMAS = 1_000;

    /** A reader from one writer schema to T's schema. */
    private record Resolution<T>(Schema writerSchema, DatumReader<T> reader) {
    }

    private final BoundedCache<Integer, Resolution<T>> readers = new BoundedCache<>(MAX_CACHED_SCHEMAS);
    private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

    private volatile SchemaRegistryClient client;
    private volatile boolean ownsClient;
    private volatile Class<T> type;
    private volatile Schema readerSchema;
    private volatile SpecificData model;

    /**
     * For creation by class name; {@link #configure} must be called with {@code schema.registry.url} and
     * {@code specific.avro.value.type} (or {@code specific.avro.key.type}).
     */
    public RegistryAvroDeserializer() {
    }

    /** @param client registry to use; the caller keeps ownership (it is not closed by {@link #close}) */
    public RegistryAvroDeserializer(SchemaRegistryClient client, Class<T> type) {
        init(Objects.requireNonNull(client, "client"), false, Objects.requireNonNull(type, "type"));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        Class<T> target = type;
        if (target == null) {
            final String key = isKey ? RegistrySerdeConfig.SPECIFIC_AVRO_KEY_TYPE : RegistrySerdeConfig.SPECIFIC_AVRO_VALUE_TYPE;
            target = (Class<T>) ConfigValues.type(configs, key, SpecificRecord.class);
            if (target == null) {
                throw new ConfigException("RegistryAvroDeserializer needs the record class to read into: pass it to the "
                        + "constructor or set " + key);
            }
        }
        if (client != null) {
            init(client, ownsClient, target);
        } else {
            final String url = ConfigValues.string(configs, RegistrySerdeConfig.SCHEMA_REGISTRY_URL, null);
            init(SchemaRegistries.forUrl(url, configs), true, target);
        }
    }

    void init(SchemaRegistryClient client, boolean ownsClient, Class<T> type) {
        AvroClassTrust.trust(type);
        this.model = SpecificData.getForClass(type);
        this.readerSchema = model.getSchema(type);
        this.type = type;
        this.ownsClient = ownsClient;
        this.client = client;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        final SchemaRegistryClient registry = client;
        if (registry == null) {
            throw new IllegalStateException("RegistryAvroDeserializer is not configured: pass a SchemaRegistryClient to "
                    + "the constructor or call configure() with " + RegistrySerdeConfig.SCHEMA_REGISTRY_URL);
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            // Checked before the magic byte so that an empty value gets the clearer message.
            if (data.length > 0 && data[0] != WireFormat.MAGIC_BYTE) {
                throw unknownMagicByte(topic, data[0]);
            }
            throw new SerializationException("record too short on topic " + topic + ": " + data.length
                    + " bytes, Confluent-framed Avro has at least " + WireFormat.HEADER_SIZE
                    + " (magic byte and 4-byte schema id)");
        }
        if (data[0] != WireFormat.MAGIC_BYTE) {
            throw unknownMagicByte(topic, data[0]);
        }
        final int id = WireFormat.readSchemaId(data);
        final Resolution<T> resolution = readers.get(id, key -> resolve(registry, topic, key));
        try {
            final BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_SIZE,
                    data.length - WireFormat.HEADER_SIZE, decoders.get());
            decoders.set(decoder);
            return resolution.reader().read(null, decoder);
        } catch (AvroTypeException e) {
            // Raised by schema resolution, not by the bytes: the writer's schema does not fit T.
            throw new SerializationException("cannot read " + resolution.writerSchema().getFullName() + " (writer schema id "
                    + id + ") as " + type.getName() + " on topic " + topic + ": the schemas are incompatible: "
                    + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode Avro record on topic " + topic + " with writer schema id " + id
                    + " as " + type.getName() + " (truncated or corrupt payload?): " + describe(e), e);
        }
    }

    private Resolution<T> resolve(SchemaRegistryClient registry, String topic, int id) {
        final Schema writerSchema;
        try {
            writerSchema = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                throw new SerializationException("schema id " + id + " not found in registry " + registry.url()
                        + " (topic " + topic + ")", e);
            }
            if (e.httpStatus() >= 200 && e.httpStatus() < 300) {
                // The registry answered, but with a schema for this id that cannot be used (not Avro, unparseable):
                // the record's writer is at fault, not the registry.
                throw new SerializationException("cannot use schema id " + id + " for topic " + topic + ": "
                        + e.getMessage(), e);
            }
            // No usable answer: the record may be fine, so it must not be treated as a bad record.
            throw new SchemaRegistryUnavailableException("cannot fetch schema id " + id + " for topic " + topic + ": "
                    + e.getMessage(), e);
        }
        return new Resolution<>(writerSchema, new SpecificDatumReader<>(writerSchema, readerSchema, model));
    }

    private static SerializationException unknownMagicByte(String topic, byte b) {
        return new SerializationException("unknown magic byte " + WireFormat.hex(b) + " on topic " + topic
                + " (expected 0x00: not Confluent-framed Avro)");
    }

    private static String describe(Throwable e) {
        final String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + message;
    }

    @Override
    public void close() {
        final SchemaRegistryClient registry = client;
        if (ownsClient && registry != null) {
            registry.close();
        }
    }
}
