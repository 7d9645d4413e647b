package io.incidentcorrelator.serde;

import io.incidentcorrelator.serde.internal.BoundedCache;
import io.incidentcorrelator.serde.internal.ConfigValues;
import io.incidentcorrelator.serde.internal.SubjectSchema;
import io.incidentcorrelator.serde.internal.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro specific records in the Confluent wire format: magic byte 0, the 4-byte big-endian schema id, the Avro
 * binary encoding. The schema is registered under {@code <topic>-value} or {@code <topic>-key} (TopicNameStrategy), or
 * only looked up when {@code auto.register.schemas=false}. A null record becomes null bytes (a tombstone).
 *
 * <p>Thread-safe. Either construct it with a {@link SchemaRegistryClient}, or with no arguments and then
 * {@link #configure} it with {@code schema.registry.url} (e.g. when Kafka creates it from {@code value.serializer}).
 */
public final class RegistryAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private static final int MAX_CACHED_SCHEMAS = 1_000;

    private final BoundedCache<SubjectSchema, Integer> ids = new BoundedCache<>(MAX_CACHED_SCHEMAS);
    private final Map<Schema, DatumWriter<T>> writers = new ConcurrentHashMap<>();
    private final ThreadLocal<BinaryEncoder> encoders = new ThreadLocal<>();

    private volatile SchemaRegistryClient client;
    private volatile boolean ownsClient;
    private volatile boolean isKey;
    private volatile boolean autoRegister = true;

    /** For creation by class name; {@link #configure} must be called before use. */
    public RegistryAvroSerializer() {
    }

    /** A value serializer that registers schemas automatically. The caller keeps ownership of {@code client}. */
    public RegistryAvroSerializer(SchemaRegistryClient client) {
        this(client, false, true);
    }

    /**
     * @param client       registry to use; the caller keeps ownership (it is not closed by {@link #close})
     * @param isKey        true to use the {@code <topic>-key} subject
     * @param autoRegister false to only look up schemas that are already registered
     */
    public RegistryAvroSerializer(SchemaRegistryClient client, boolean isKey, boolean autoRegister) {
        init(java.util.Objects.requireNonNull(client, "client"), false, isKey, autoRegister);
    }

    /**
     * Reads {@code auto.register.schemas} and, unless a client was given to the constructor, {@code schema.registry.url}
     * and the HTTP client settings (see {@link RegistrySerdeConfig}).
     */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        final boolean autoRegister = ConfigValues.bool(configs, RegistrySerdeConfig.AUTO_REGISTER_SCHEMAS, true);
        if (client != null) {
            init(client, ownsClient, isKey, autoRegister);
        } else {
            final String url = ConfigValues.string(configs, RegistrySerdeConfig.SCHEMA_REGISTRY_URL, null);
            init(SchemaRegistries.forUrl(url, configs), true, isKey, autoRegister);
        }
    }

    void init(SchemaRegistryClient client, boolean ownsClient, boolean isKey, boolean autoRegister) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.isKey = isKey;
        this.autoRegister = autoRegister;
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        final SchemaRegistryClient registry = client;
        if (registry == null) {
            throw new IllegalStateException("RegistryAvroSerializer is not configured: pass a SchemaRegistryClient to the "
                    + "constructor or call configure() with " + RegistrySerdeConfig.SCHEMA_REGISTRY_URL);
        }
        final Schema schema = record.getSchema();
        final String subject = subjectName(topic, isKey);
        final int id = ids.get(new SubjectSchema(subject, schema), key -> schemaId(registry, topic, key));

        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        final byte[] header = new byte[WireFormat.HEADER_SIZE];
        WireFormat.writeHeader(header, id);
        out.writeBytes(header);
        try {
            final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, encoders.get());
            encoders.set(encoder);
            writer(schema, record).write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + schema.getFullName() + " for topic " + topic + ": "
                    + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private int schemaId(SchemaRegistryClient registry, String topic, SubjectSchema key) {
        try {
            return autoRegister ? registry.register(key.subject(), key.schema())
                    : registry.lookupId(key.subject(), key.schema());
        } catch (SchemaRegistryException e) {
            if (!autoRegister && e.isNotFound()) {
                throw new SerializationException("schema " + key.schema().getFullName() + " is not registered under subject "
                        + key.subject() + " in registry " + registry.url() + " and " + RegistrySerdeConfig.AUTO_REGISTER_SCHEMAS
                        + " is false (topic " + topic + ")", e);
            }
            final String message = "cannot get a schema id for " + key.schema().getFullName() + " on topic " + topic
                    + ": " + e.getMessage();
            if (e.isUnavailable()) {
                // Not a problem with the record: callers may retry rather than give up on it.
                throw new SchemaRegistryUnavailableException(message, e);
            }
            throw new SerializationException(message, e);
        }
    }

    private DatumWriter<T> writer(Schema schema, T record) {
        return writers.computeIfAbsent(schema, s -> {
            AvroClassTrust.trust(record.getClass());
            return new SpecificDatumWriter<>(s, SpecificData.getForClass(record.getClass()));
        });
    }

    static String subjectName(String topic, boolean isKey) {
        if (topic == null || topic.isEmpty()) {
            throw new SerializationException("a topic name is needed to choose the schema registry subject");
        }
        return topic + (isKey ? "-key" : "-value");
    }

    @Override
    public void close() {
        final SchemaRegistryClient registry = client;
        if (ownsClient && registry != null) {
            registry.close();
        }
    }
}
