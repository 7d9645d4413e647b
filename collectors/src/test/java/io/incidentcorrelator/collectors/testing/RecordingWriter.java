package io.incidentcorrelator.collectors.testing;

import io.incidentcorrelator.collectors.EventWriter;
import org.apache.avro.specific.SpecificRecord;

import java.util.ArrayList;
import java.util.List;

/** Keeps what collectors send, in order. */
public final class RecordingWriter implements EventWriter {

    public record Sent(String topic, String key, SpecificRecord value) {
    }

    private final List<Sent> sent = new ArrayList<>();

    @Override
    public synchronized void send(String topic, String key, SpecificRecord value) {
        sent.add(new Sent(topic, key, value));
    }

    public synchronized List<Sent> sent() {
        return List.copyOf(sent);
    }

    @SuppressWarnings("unchecked")
    public synchronized <T extends SpecificRecord> List<T> values(Class<T> type) {
        return sent.stream().map(Sent::value).filter(type::isInstance).map(v -> (T) v).toList();
    }

    public synchronized void clear() {
        sent.clear();
    }
}
