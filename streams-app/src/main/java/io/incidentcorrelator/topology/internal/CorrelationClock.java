package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Where the correlation stands in event time, kept in the changelogged
 * {@link StoreNames#CORRELATION_CLOCK} store. Not the task's stream time: that counts events still
 * held by {@link EventAligner} and progress records, so a task restored from it would run ahead of
 * one that never stopped (classify pending restarts early, take held evidence for late, resolve
 * incidents early).
 */
public final class CorrelationClock {

    /** The newest event time let through to the correlation (written by {@link LateRecordGate}). */
    public static final String EVENT_TIME = "event-time";
    /** The newest restart classified: evidence up to it may change a classification. */
    public static final String CLASSIFIED_UP_TO = "classified-up-to";
    /** The newest timestamp an incident record was written with: the next is never earlier. */
    public static final String WRITTEN_AT = "written-at";

    private final KeyValueStore<String, Long> store;

    private CorrelationClock(KeyValueStore<String, Long> store) {
        this.store = store;
    }

    public static CorrelationClock of(ProcessorContext<?, ?> context) {
        return new CorrelationClock(context.getStateStore(StoreNames.CORRELATION_CLOCK));
    }

    /** The stored time, or {@link Long#MIN_VALUE} when the task never stored one. */
    public long get(String key) {
        final Long stored = store.get(key);
        return stored == null ? Long.MIN_VALUE : stored;
    }

    public void put(String key, long time) {
        store.put(key, time);
    }
}
