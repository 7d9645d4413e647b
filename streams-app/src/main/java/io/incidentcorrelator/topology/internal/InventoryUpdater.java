package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps the global inventory store as a GlobalKTable would (newest placement per key,
 * tombstones delete) and bumps {@code version} on every change, so that {@link EventRouter}
 * rebuilds its host → clusters index only when the inventory really changed instead of
 * scanning the store for every event. Restoration at start-up bypasses this processor; the
 * router builds its first index lazily, after restoration.
 */
public final class InventoryUpdater implements Processor<String, NodePlacement, Void, Void> {

    private final AtomicLong version;
    private TimestampedKeyValueStore<String, NodePlacement> store;

    public InventoryUpdater(AtomicLong version) {
        this.version = version;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.store = context.getStateStore(StoreNames.INVENTORY);
    }

    @Override
    public void process(Record<String, NodePlacement> record) {
        if (record.key() == null) {
            return; // a GlobalKTable drops these too
        }
        if (record.value() == null) {
            store.delete(record.key());
        } else {
            store.put(record.key(), ValueAndTimestamp.make(record.value(), record.timestamp()));
        }
        version.incrementAndGet();
    }
}
