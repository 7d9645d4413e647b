package io.incidentcorrelator.topology.internal;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a global table's store: the newest value per key, a null value deleting the key.
 *
 * <p>What {@code StreamsBuilder.globalTable} does, but as a global store with a processor, because
 * Kafka Streams restores such a store by running its records through the deserializer and the
 * deserialization handler again, whereas a {@code globalTable} is restored by copying the raw
 * bytes: a poison pill on the inventory topic would land in the store and fail every processor
 * that reads it.
 *
 * <p>An optional {@code changedAt} is set to the wall-clock time of every change (moved on by at least
 * one each time), so that a reader can keep an index of the table and rebuild it only when the table
 * changed (the router's host → clusters index), and knows how long the table has been still.
 */
public final class GlobalTableUpdater<V> implements Processor<String, V, Void, Void> {

    private final String storeName;
    private final AtomicLong changedAt;
    private ProcessorContext<Void, Void> context;
    private TimestampedKeyValueStore<String, V> store;

    public GlobalTableUpdater(String storeName) {
        this(storeName, null);
    }

    /** @param changedAt set to the wall clock on every change, or null */
    public GlobalTableUpdater(String storeName, AtomicLong changedAt) {
        this.storeName = storeName;
        this.changedAt = changedAt;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, V> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
        } else {
            store.put(record.key(), ValueAndTimestamp.make(record.value(), record.timestamp()));
        }
        if (changedAt != null) {
            changedAt.accumulateAndGet(context.currentSystemTimeMs(), (last, now) -> Math.max(last + 1, now));
        }
    }
}
