package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.internal.CorrelationEvent;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.util.Map;

/**
 * Reads every input topic of the correlation into a {@link CorrelationEvent}, with the topic's own
 * deserializer: one source node for all of them, instead of a source, a wrapping step and a merge
 * per topic, three processor hops per record that did nothing but forward. A record that cannot be
 * read fails here as it failed in its topic's deserializer, so it reaches the deserialization
 * handler (and the dead-letter topic) the same way.
 */
public final class EventDeserializer implements Deserializer<CorrelationEvent> {

    private final Map<String, Deserializer<?>> byTopic;

    /** @param byTopic each input topic's value deserializer */
    public EventDeserializer(Map<String, ? extends Deserializer<?>> byTopic) {
        this.byTopic = Map.copyOf(byTopic);
    }

    /** A serde for {@code Consumed}: it only reads; the events are never written back as such. */
    public static Serde<CorrelationEvent> serde(Map<String, ? extends Deserializer<?>> byTopic) {
        final Serializer<CorrelationEvent> none = (topic, event) -> {
            throw new UnsupportedOperationException("input events are read, never written, as CorrelationEvent");
        };
        return Serdes.serdeFrom(none, new EventDeserializer(byTopic));
    }

    @Override
    public CorrelationEvent deserialize(String topic, byte[] data) {
        return wrap(reader(topic).deserialize(topic, data));
    }

    @Override
    public CorrelationEvent deserialize(String topic, Headers headers, byte[] data) {
        return wrap(reader(topic).deserialize(topic, headers, data));
    }

    private Deserializer<?> reader(String topic) {
        final Deserializer<?> reader = byTopic.get(topic);
        if (reader == null) {
            throw new SerializationException("No event deserializer for topic " + topic + "; expected one of "
                    + byTopic.keySet());
        }
        return reader;
    }

    /** A null value (a tombstone) is wrapped too: validation then sends it to the dead-letter topic. */
    private static CorrelationEvent wrap(Object payload) {
        return new CorrelationEvent(payload);
    }
}
