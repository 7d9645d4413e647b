package io.incidentcorrelator.kafkainternal;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.KeyValueStoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.apache.kafka.streams.processor.StateStore;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A byte key-value store that keeps the task's writes until the task commits, then writes the net
 * change to the store below (and so to its changelog): a key put and deleted again between two
 * commits never reaches the changelog; a key deleted that was written out at an earlier commit is
 * deleted below at once (one tombstone, as without the buffer). Made for the aligner's buffer ({@link EventAligner}), where most events are released
 * within the commit that buffered them: written through, each cost a record and a tombstone in the
 * changelog, nine tenths of what a restart restored (see docs/performance.md).
 *
 * <p>Kafka Streams' own cache does not do this: its {@code CachingKeyValueStore} (4.3.1) skips a
 * delete of a key the store below never had only when a flush listener is set (a KTable that
 * forwards), and writes the tombstone for a processor's store; its size bound also evicts early.
 *
 * <p>Written out and dropped as {@link CommitBufferedWindowStore} is ({@link CommitBufferedStore},
 * whose class docs say why that keeps exactly-once and restore correct): what the buffer holds at
 * a commit is written before the producer is flushed, in the same transaction as the input
 * offsets. Reads on the writing thread see its writes ({@code range} and {@code all} merge them in
 * key order); other threads (interactive queries) read the store below, as of the last commit.
 * Iterators of this store must be closed before the store is written again, as {@link EventAligner}
 * does.
 */
public final class CommitBufferedKeyValueStore extends CommitBufferedStore<KeyValueStore<Bytes, byte[]>, Bytes, byte[]>
        implements KeyValueStore<Bytes, byte[]> {

    /** A key's last value and the context of the record that wrote it. */
    private record Pending(byte[] value, ProcessorRecordContext writer) {
    }

    private final NavigableMap<Bytes, Pending> pending = new TreeMap<>();
    /** Run before each write-out: a processor that keeps its own buffer writes what it still holds. */
    private Runnable beforeWriteOut;

    CommitBufferedKeyValueStore(KeyValueStore<Bytes, byte[]> wrapped) {
        super(wrapped);
    }

    /** The key-value store {@code supplier} makes, with byte keys and values, buffered on top. */
    public static StoreBuilder<KeyValueStore<Bytes, byte[]>> builder(KeyValueBytesStoreSupplier supplier) {
        return new Builder(supplier);
    }

    /**
     * The buffered store under what a processor's {@code getStateStore} returned (Kafka wraps it in a
     * read-write decorator), or null when there is none (a unit test's plain store).
     */
    public static CommitBufferedKeyValueStore under(StateStore store) {
        StateStore s = store;
        while (true) {
            if (s instanceof CommitBufferedKeyValueStore buffered) {
                return buffered;
            }
            if (!(s instanceof WrappedStateStore<?, ?, ?> wrapper)) {
                return null;
            }
            s = wrapper.wrapped();
        }
    }

    /**
     * Runs {@code writer} just before each write-out (before the task commits), so that a processor
     * that keeps its writes in its own typed buffer puts what it still holds here then; replaces an
     * earlier one (a processor initialised again after its task was revived).
     */
    public void beforeWriteOut(Runnable writer) {
        this.beforeWriteOut = writer;
    }

    /**
     * A put whose changelog record carries {@code timestamp} instead of the time of the record
     * being processed: what a write-out puts is written at the commit, not while its record was
     * processed, and a changelog's segments roll by the span of their records' timestamps.
     */
    public void put(Bytes key, byte[] value, long timestamp) {
        noteWriter();
        pending.put(key, new Pending(value, stampedAt(timestamp)));
    }

    @Override
    public byte[] get(Bytes key) {
        if (onWriter()) {
            final Pending p = pending.get(key);
            if (p != null) {
                return p.value();
            }
        }
        return wrapped().get(key);
    }

    @Override
    public void put(Bytes key, byte[] value) {
        noteWriter();
        if (value == null) {
            pending.remove(key);
            // Written out at an earlier commit: its tombstone is due anyway, and deleted below now,
            // the reads do not step over it again (the aligner reads its buffer from the first key
            // at every release: a commit's worth of pending deletes made that quadratic).
            // Never written out: nothing to delete below, nothing to log.
            if (wrapped().get(key) != null) {
                wrapped().delete(key);
            }
            return;
        }
        pending.put(key, new Pending(value, currentRecord()));
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        final byte[] old = get(key);
        if (old == null) {
            put(key, value);
        }
        return old;
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        for (KeyValue<Bytes, byte[]> e : entries) {
            put(e.key, e.value);
        }
    }

    @Override
    public byte[] delete(Bytes key) {
        final byte[] old = get(key);
        put(key, null);
        return old;
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        if (!onWriter() || pending.isEmpty()) {
            return wrapped().range(from, to);
        }
        if (from != null && to != null && from.compareTo(to) > 0) {
            return wrapped().range(from, to); // empty, as the store below answers
        }
        NavigableMap<Bytes, Pending> inRange = pending;
        if (from != null) {
            inRange = inRange.tailMap(from, true);
        }
        if (to != null) {
            inRange = inRange.headMap(to, true);
        }
        final Iterator<Map.Entry<Bytes, byte[]>> over = inRange.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue().value())).iterator();
        return new OverlayIterator<>(wrapped().range(from, to), over, Bytes::compareTo);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return range(null, null);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        writeOutForRead();
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        writeOutForRead();
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
        writeOutForRead();
        return wrapped().prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        writeOutForRead();
        return wrapped().approximateNumEntries();
    }

    @Override
    void dropBuffer() {
        pending.clear();
    }

    @Override
    void writeOut() {
        if (beforeWriteOut != null) {
            beforeWriteOut.run();
        }
        if (pending.isEmpty()) {
            return;
        }
        final List<Map.Entry<Bytes, Pending>> writes = new ArrayList<>(pending.entrySet());
        pending.clear();
        writeEach(writes, w -> w.getValue().writer(),
                w -> wrapped().put(w.getKey(), w.getValue().value()));
    }

    /** Kafka's own key-value store builder (logging, metrics), this buffer on top of what it builds. */
    private static final class Builder extends KeyValueStoreBuilder<Bytes, byte[]> {

        Builder(KeyValueBytesStoreSupplier supplier) {
            super(supplier, Serdes.Bytes(), Serdes.ByteArray(), Time.SYSTEM);
        }

        @Override
        public StoreBuilder<KeyValueStore<Bytes, byte[]>> withCachingEnabled() {
            throw new UnsupportedOperationException("buffered until commit already; Kafka's cache on top would buffer twice");
        }

        @Override
        public KeyValueStore<Bytes, byte[]> build() {
            return new CommitBufferedKeyValueStore(super.build());
        }
    }
}
