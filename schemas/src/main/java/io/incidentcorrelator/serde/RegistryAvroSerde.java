package io.incidentcorrelator.serde;

import io.incidentcorrelator.serde.internal.ConfigValues;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for Avro specific records in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary), with the
 * schema in a Confluent-compatible registry under {@code <topic>-value} / {@code <topic>-key}.
 *
 * <pre>{@code
 * // explicit client, ready to use (Kafka Streams does not call configure() on serdes passed to the DSL):
 * Serde<PodRestart> serde = new RegistryAvroSerde<>(SchemaRegistries.forUrl("mock://tests", Map.of()), PodRestart.class);
 * // or from config:
 * Serde<PodRestart> serde = new RegistryAvroSerde<>(PodRestart.class);
 * serde.configure(Map.of("schema.registry.url", "http://registry:8081"), false);
 * }</pre>
 *
 * @see RegistryAvroSerializer
 * @see RegistryAvroDeserializer
 * @see RegistrySerdeConfig
 */
public final class RegistryAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final Class<T> type;
    private final RegistryAvroSerializer<T> serializer = new RegistryAvroSerializer<>();
    private final RegistryAvroDeserializer<T> deserializer = new RegistryAvroDeserializer<>();
    private SchemaRegistryClient client;
    private boolean ownsClient;

    /** A serde that {@link #configure} sets up from {@code schema.registry.url}. */
    public RegistryAvroSerde(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    /** A value serde on {@code client}, registering schemas automatically. The caller keeps ownership of the client. */
    public RegistryAvroSerde(SchemaRegistryClient client, Class<T> type) {
        this(client, type, false);
    }

    /** A key ({@code isKey}) or value serde on {@code client}. The caller keeps ownership of the client. */
    public RegistryAvroSerde(SchemaRegistryClient client, Class<T> type, boolean isKey) {
        this.type = Objects.requireNonNull(type, "type");
        this.client = Objects.requireNonNull(client, "client");
        init(isKey, true);
    }

    /**
     * Reads {@code auto.register.schemas}; when no client was given to the constructor, also {@code schema.registry.url}
     * and the HTTP settings. Serializer and deserializer share one client, closed by {@link #close} if created here.
     */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (client == null) {
            final String url = ConfigValues.string(configs, RegistrySerdeConfig.SCHEMA_REGISTRY_URL, null);
            client = SchemaRegistries.forUrl(url, configs);
            ownsClient = true;
        }
        init(isKey, ConfigValues.bool(configs, RegistrySerdeConfig.AUTO_REGISTER_SCHEMAS, true));
    }

    private void init(boolean isKey, boolean autoRegister) {
        // The serde owns the client, not its halves: closing one half must not break the other.
        serializer.init(client, false, isKey, autoRegister);
        deserializer.init(client, false, type);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        if (ownsClient && client != null) {
            client.close();
        }
    }
}
