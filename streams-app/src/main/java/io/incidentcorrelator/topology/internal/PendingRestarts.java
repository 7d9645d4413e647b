package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.internal.ClassifiedRestart;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Restarts accepted but not classified yet, waiting for event time to pass them (so that evidence
 * stamped the same instant is in), in key order (cluster, then time). The store is the truth: a
 * restart is pending while its {@code classified-restarts} entry is unclassified, and this index is
 * rebuilt from it on init. The wall clock each arrived only decides when a provisional revision
 * appears ({@code pending-flush-after}).
 */
final class PendingRestarts {

    private final NavigableMap<String, Long> arrived = new TreeMap<>();

    /** The unclassified restarts of {@code restarts}, as arrived at {@code now}. */
    static PendingRestarts restore(KeyValueStore<String, ClassifiedRestart> restarts, long now) {
        final PendingRestarts pending = new PendingRestarts();
        try (KeyValueIterator<String, ClassifiedRestart> it = restarts.all()) {
            while (it.hasNext()) {
                final KeyValue<String, ClassifiedRestart> kv = it.next();
                if (!kv.value.getClassified()) {
                    pending.arrived.put(kv.key, now);
                }
            }
        }
        return pending;
    }

    void add(RestartKey key, long wallClock) {
        arrived.put(key.toString(), wallClock);
    }

    boolean isEmpty() {
        return arrived.isEmpty();
    }

    /** Whether it was pending. */
    boolean remove(RestartKey key) {
        return arrived.remove(key.toString()) != null;
    }

    /** Takes every restart strictly before event time {@code time}, in key order. */
    List<RestartKey> takeBefore(long time) {
        return take(e -> RestartKey.parse(e.getKey()).time() < time);
    }

    /** Takes every restart that arrived at wall clock {@code cutoff} or earlier, in key order. */
    List<RestartKey> takeArrivedBy(long cutoff) {
        return take(e -> e.getValue() <= cutoff);
    }

    private List<RestartKey> take(java.util.function.Predicate<Map.Entry<String, Long>> due) {
        final List<RestartKey> taken = new ArrayList<>();
        final Iterator<Map.Entry<String, Long>> it = arrived.entrySet().iterator();
        while (it.hasNext()) {
            final Map.Entry<String, Long> e = it.next();
            if (due.test(e)) {
                taken.add(RestartKey.parse(e.getKey()));
                it.remove();
            }
        }
        return taken;
    }
}
