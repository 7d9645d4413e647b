package io.incidentcorrelator.topics;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Every topic of the registry ({@link Topic#ALL}) with its configured name and its serdes, for
 * code that reads or writes them.
 */
public final class Topics {

    private final TopicNames names;
    private final Map<Topic<?>, Serde<?>> valueSerdes = new LinkedHashMap<>();

    /**
     * @param contract the contract's records ({@link Topic.Role#contract()}): registry-framed Avro in production
     * @param internal the clock's ticks: plain Avro binary, no registry needed
     */
    public Topics(TopicNames names, ValueSerdes contract, ValueSerdes internal) {
        this.names = Objects.requireNonNull(names, "names");
        for (Topic<?> topic : Topic.ALL) {
            valueSerdes.put(topic, switch (topic.role()) {
                case EVENTS, TABLE, OUTPUT -> contract.forValue(recordType(topic));
                case CLOCK -> internal.forValue(recordType(topic));
                case DEAD_LETTER -> Serdes.String();
            });
        }
    }

    public TopicNames names() {
        return names;
    }

    public Serde<String> keySerde() {
        return Serdes.String();
    }

    @SuppressWarnings("unchecked")
    public <V> Serde<V> valueSerde(Topic<V> topic) {
        return (Serde<V>) valueSerdes.get(topic);
    }

    /**
     * {@code value} serialized for {@code topic} under its configured name, for code that holds events of
     * several topics.
     *
     * @throws ClassCastException if {@code value} is not of the topic's value type
     */
    public byte[] serialize(Topic<?> topic, Object value) {
        return serializeAs(topic, value);
    }

    private <V> byte[] serializeAs(Topic<V> topic, Object value) {
        return valueSerde(topic).serializer().serialize(names.name(topic), topic.valueType().cast(value));
    }

    /**
     * Configured topic name → value serde, for code that produces any contract record (replay,
     * collectors).
     */
    @SuppressWarnings("unchecked")
    public <T extends SpecificRecord> Serde<T> valueSerdeFor(String topic) {
        final Topic<?> registered = names.topicNamed(topic).filter(t -> t.role().contract())
                .orElseThrow(() -> new IllegalArgumentException("No contract record is carried on topic " + topic));
        return (Serde<T>) valueSerdes.get(registered);
    }

    @SuppressWarnings("unchecked")
    private static Class<? extends SpecificRecord> recordType(Topic<?> topic) {
        if (!SpecificRecord.class.isAssignableFrom(topic.valueType())) {
            throw new IllegalStateException(topic.id() + " carries " + topic.valueType().getSimpleName()
                    + ", not an Avro record");
        }
        return (Class<? extends SpecificRecord>) topic.valueType();
    }
}
