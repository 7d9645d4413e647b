package io.incidentcorrelator.kafkainternal;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.WindowStoreBuilder;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A window store that keeps the task's writes as objects until the task commits, then writes each
 * window's last value once to the store below (and so to its changelog). Kafka Streams' own cache
 * does the same with bytes: it serializes every write, keys it into a sorted map and tracks it in
 * an LRU list, which for the evidence buckets (a write per sample, most of them to a window
 * written a moment before) was a fifth of the stream thread (see docs/performance.md).
 *
 * <p>Kafka Streams flushes it exactly where it flushes its own caches: it is a
 * {@link org.apache.kafka.streams.state.internals.CachedStateStore}, whose {@code flushCache()}
 * the task calls before it flushes its producer and commits, so the buffered writes are in the
 * same transaction as the input offsets they came from. A task closed without a commit (a crash,
 * a lost partition) drops the buffer with the store, and restores from the changelog as ever.
 * That interface is internal to Kafka Streams: an upgrade of Kafka must keep {@code
 * ExactlyOnceCrashIT} and {@code StateRestoreIT} green.
 *
 * <p>A window past the store's retention (its start at or before the latest start written less the
 * retention, as Kafka's window stores count it) is dropped from the buffer and never written: the
 * store below would drop it and no read could see it again, and a replay's commit (a second of
 * processing, many hours of event time) would otherwise hold, serialize and send to the changelog
 * every sample of those hours, to be expired at once (see docs/performance.md). Reads of it answer
 * null, as the store below does once the commit has written the latest window.
 *
 * <p>On the thread that writes, reads of one key ({@code fetch(key, time)} and {@code fetch(key,
 * from, to)}) see the buffer over the store below, as the store would answer after a write-out:
 * windows written since the commit over those below, nothing the latest window written has
 * expired. Every other read writes the buffer out first. A range read that wrote out instead (as
 * every read did) wrote the buffer at each restart the correlation classified, a third of the
 * buffer's cost in a catch-up (docs/performance.md). The range read finds the key's buffered windows
 * on the window grid (starts at multiples of the window size, as the evidence and timeline stores
 * write them); after a write off the grid, it writes out as other reads do. Other threads
 * (interactive queries) read the store below, as of the last commit or read on the writing thread,
 * and never touch the buffer.
 */
public final class CommitBufferedWindowStore<V> extends CommitBufferedStore<WindowStore<String, V>, String, V>
        implements WindowStore<String, V> {

    private record Window(String key, long start) {
    }

    /**
     * A window's last value (null: a delete) and the context of the record that wrote it, whose
     * timestamp its changelog record carries, as Kafka's cache does: the broker's time retention
     * measures the changelog against it, so it must be the record's (event) time, not that of
     * whatever ran last before the commit (a wall-clock punctuation stamps "now").
     */
    private record Buffered(Object value, ProcessorRecordContext writer) {
    }

    private final Map<Window, Buffered> buffered = new LinkedHashMap<>();
    private final long retentionMs;
    private final long windowSizeMs;
    private long latestWindowStart = Long.MIN_VALUE;
    /** Whether every window written started on the grid of the window size (see the class doc). */
    private boolean onGrid = true;

    /** Most windows a range read looks up in the buffer before it writes the buffer out instead. */
    private static final long MAX_LOOKUPS = 1024;

    CommitBufferedWindowStore(WindowStore<String, V> wrapped, long retentionMs, long windowSizeMs) {
        super(wrapped);
        this.retentionMs = retentionMs;
        this.windowSizeMs = windowSizeMs;
    }

    /** The window store {@code supplier} makes, string keys, buffered on top; its retention is the supplier's. */
    public static <V> StoreBuilder<WindowStore<String, V>> builder(WindowBytesStoreSupplier supplier, Serde<V> values) {
        return new Builder<>(supplier, values);
    }

    @Override
    public void put(String key, V value, long windowStartTimestamp) {
        noteWriter();
        if (windowSizeMs <= 0 || Math.floorMod(windowStartTimestamp, windowSizeMs) != 0) {
            onGrid = false;
        }
        if (windowStartTimestamp > latestWindowStart) {
            latestWindowStart = windowStartTimestamp;
            dropExpiredFromTheOldestEnd();
        }
        if (isExpired(windowStartTimestamp)) {
            buffered.remove(new Window(key, windowStartTimestamp));
            return;
        }
        buffered.put(new Window(key, windowStartTimestamp),
                new Buffered(value, currentRecord()));
    }

    /**
     * Kafka's window stores drop a window once its start is at or before the latest start less the
     * retention; so does the buffer, at once rather than at the commit, so that a replay does not
     * hold a second's worth of expired minutes in the heap.
     */
    private boolean isExpired(long windowStart) {
        return latestWindowStart != Long.MIN_VALUE && windowStart <= latestWindowStart - retentionMs;
    }

    /** Windows are buffered in about the order of their time: drop expired ones until a live one. */
    private void dropExpiredFromTheOldestEnd() {
        final Iterator<Window> oldestFirst = buffered.keySet().iterator();
        while (oldestFirst.hasNext() && isExpired(oldestFirst.next().start())) {
            oldestFirst.remove();
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public V fetch(String key, long time) {
        if (onWriter()) {
            if (isExpired(time)) {
                return null; // as the store below answers once the commit has written the latest window
            }
            final Buffered b = buffered.get(new Window(key, time));
            if (b != null) {
                return (V) b.value();
            }
        }
        return wrapped().fetch(key, time);
    }

    @Override
    @SuppressWarnings("unchecked")
    public WindowStoreIterator<V> fetch(String key, long timeFrom, long timeTo) {
        if (!onWriter() || buffered.isEmpty()) {
            return wrapped().fetch(key, timeFrom, timeTo);
        }
        long from = timeFrom;
        if (latestWindowStart != Long.MIN_VALUE) {
            from = Math.max(from, latestWindowStart - retentionMs + 1); // what a write-out would expire
        }
        if (!onGrid || timeTo < from || (timeTo - from) / windowSizeMs > MAX_LOOKUPS) {
            writeOutForRead();
            return wrapped().fetch(key, timeFrom, timeTo);
        }
        final TreeMap<Long, Object> mine = new TreeMap<>();
        for (long start = from + Math.floorMod(-from, windowSizeMs); start <= timeTo; start += windowSizeMs) {
            final Buffered b = buffered.get(new Window(key, start));
            if (b != null) {
                mine.put(start, b.value());
            }
            if (start > Long.MAX_VALUE - windowSizeMs) {
                break;
            }
        }
        final WindowStoreIterator<V> below = wrapped().fetch(key, from, timeTo);
        return mine.isEmpty() ? below : new MergedWindows<>(below, (Iterator<Map.Entry<Long, V>>) (Iterator<?>) mine.entrySet().iterator());
    }

    @Override
    public WindowStoreIterator<V> backwardFetch(String key, long timeFrom, long timeTo) {
        writeOutForRead();
        return wrapped().backwardFetch(key, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<String>, V> fetch(String keyFrom, String keyTo, long timeFrom, long timeTo) {
        writeOutForRead();
        return wrapped().fetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<String>, V> backwardFetch(String keyFrom, String keyTo, long timeFrom,
                                                               long timeTo) {
        writeOutForRead();
        return wrapped().backwardFetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<String>, V> fetchAll(long timeFrom, long timeTo) {
        writeOutForRead();
        return wrapped().fetchAll(timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<String>, V> backwardFetchAll(long timeFrom, long timeTo) {
        writeOutForRead();
        return wrapped().backwardFetchAll(timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<String>, V> all() {
        writeOutForRead();
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<Windowed<String>, V> backwardAll() {
        writeOutForRead();
        return wrapped().backwardAll();
    }

    @Override
    void dropBuffer() {
        buffered.clear();
        latestWindowStart = Long.MIN_VALUE;
    }

    @Override
    @SuppressWarnings("unchecked")
    void writeOut() {
        if (buffered.isEmpty()) {
            return;
        }
        final List<Map.Entry<Window, Buffered>> writes = new ArrayList<>(buffered.entrySet());
        buffered.clear();
        writeEach(writes, w -> w.getValue().writer(), w -> {
            if (!isExpired(w.getKey().start())) {
                wrapped().put(w.getKey().key(), (V) w.getValue().value(), w.getKey().start());
            }
        });
    }

    /** One key's windows from the store below in time order, the buffered ones over them. */
    private static final class MergedWindows<V> extends OverlayIterator<Long, V> implements WindowStoreIterator<V> {
        MergedWindows(WindowStoreIterator<V> below, Iterator<Map.Entry<Long, V>> over) {
            super(below, over, Long::compare);
        }
    }

    /**
     * Kafka's own window store builder, so that Kafka Streams treats the store as a window store
     * where it decides the changelog's configuration: {@code cleanup.policy=compact,delete} and
     * {@code retention.ms} = the store's retention plus {@code windowstore.changelog.additional.retention.ms}
     * (which replays raise, {@code Pipeline.withReplayDefaults}). Any other builder class is taken
     * for a key-value store and gets a compact-only changelog that grows with history (issue 13).
     * Kafka Streams recognises window stores by this class ({@code StoreBuilderWrapper}), internal
     * like {@link org.apache.kafka.streams.state.internals.CachedStateStore}: an upgrade of Kafka
     * must keep {@code ChangelogRetentionIT} green.
     */
    private static final class Builder<V> extends WindowStoreBuilder<String, V> {

        private final long retentionMs;
        private final long windowSizeMs;

        Builder(WindowBytesStoreSupplier supplier, Serde<V> values) {
            super(supplier, Serdes.String(), values, Time.SYSTEM);
            this.retentionMs = supplier.retentionPeriod();
            this.windowSizeMs = supplier.windowSize();
        }

        @Override
        public StoreBuilder<WindowStore<String, V>> withCachingEnabled() {
            throw new UnsupportedOperationException("buffered until commit already; Kafka's cache on top would buffer twice");
        }

        @Override
        public WindowStore<String, V> build() {
            return new CommitBufferedWindowStore<>(super.build(), retentionMs, windowSizeMs);
        }
    }
}
