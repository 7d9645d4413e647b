package io.incidentcorrelator.replay;

import io.incidentcorrelator.topics.Topic;
import org.apache.avro.specific.SpecificRecord;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of a scenario file, ready to be produced to its topic.
 *
 * @param topic     the topic it goes to
 * @param key       the record key, as given in the file or derived as the contract says
 * @param value     the record, of {@code topic.valueType()}
 * @param eventTime the event time, null for inventory and storage locations (tables, not events)
 * @param source    the file it came from, as given to the reader
 * @param line      its 1-based line number in that file
 */
public record ScenarioEvent(Topic<?> topic, String key, SpecificRecord value, Instant eventTime,
                            String source, int line) {

    public ScenarioEvent {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(source, "source");
        if (!topic.valueType().isInstance(value)) {
            throw new IllegalArgumentException(topic.id() + " takes " + topic.valueType().getSimpleName()
                    + ", not " + value.getClass().getSimpleName());
        }
    }

    /** {@code FILE:LINE}, for messages about this event. */
    public String location() {
        return source + ":" + line;
    }
}
