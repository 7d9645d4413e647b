package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.kafkainternal.CommitBufferedKeyValueStore;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The events {@link EventAligner} holds for the watermark, decoded and in release order, over its
 * changelogged store. Most events are released within the commit that buffered them; those never
 * touch the store: at each commit (the store's write-out, {@link CommitBufferedKeyValueStore}) only
 * the events still held are encoded and written, and an event released after that is deleted from
 * it. Encoding every event into its store key, and decoding it again at release, was most of the
 * aligner's cost in a catch-up (docs/performance.md).
 *
 * <p>The order: event time, kind, cluster (length first); then, for samples, what they measure (the
 * host and guest, or the etcd member), which tells apart the samples a host and its guests send at
 * one instant without encoding them; then the encoded event, computed only for events equal in all
 * else, which also tells the same event delivered twice. Any total order on the content would do
 * (the release order only has to be the same whichever partition delivered first); this one costs
 * least. The store's key is the event time, kind, cluster and encoded event; a restart (or an older
 * version's changelog) reads it back and sorts it again. Over a store without the write-out hook
 * (a unit test's), every event is written as it is held.
 */
final class AlignBuffer {

    /** One held event: where it goes, what it is, and the wall clock it arrived. */
    static final class Entry {
        final long time;
        final byte kind;
        final String cluster;
        final CorrelationEvent event;
        final long arrivedAt;
        private final byte[] clusterUtf8;
        /** The store key, once needed (a tie in the order, or a write-out). */
        private Bytes storeKey;
        private byte[] encoded;
        /** For a sample, what it measures (see the class doc), once needed; "" for other events. */
        private String source;
        private boolean stored;

        private Entry(long time, byte kind, String cluster, CorrelationEvent event, long arrivedAt) {
            this.time = time;
            this.kind = kind;
            this.cluster = cluster;
            this.clusterUtf8 = cluster.getBytes(StandardCharsets.UTF_8);
            this.event = event;
            this.arrivedAt = arrivedAt;
        }
    }

    private final KeyValueStore<Bytes, byte[]> store;
    private final CommitBufferedKeyValueStore buffered;
    private final Serde<CorrelationEvent> events;
    private final TreeSet<Entry> held = new TreeSet<>(this::compare);

    /**
     * Reads what the store holds (after a restart: what was held at the last commit).
     *
     * @param store the aligner's store as its context returns it
     */
    AlignBuffer(KeyValueStore<Bytes, byte[]> store, Serde<CorrelationEvent> events) {
        this.store = store;
        this.events = events;
        this.buffered = CommitBufferedKeyValueStore.under((StateStore) store);
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> kv = it.next();
                final Entry e = decode(kv.key, kv.value);
                e.stored = true;
                held.add(e);
            }
        }
        if (buffered != null) {
            buffered.beforeWriteOut(this::writeOut);
        }
    }

    /** Holds the event: its entry, or null when the same event is already held. */
    Entry hold(long time, byte kind, String cluster, CorrelationEvent event, long arrivedAt) {
        final Entry e = new Entry(time, kind, cluster, event, arrivedAt);
        if (!held.add(e)) {
            return null;
        }
        if (buffered == null) {
            store.put(storeKey(e), arrivedAtBytes(e.arrivedAt));
            e.stored = true;
        }
        return e;
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    int size() {
        return held.size();
    }

    /** The first event in release order, or null. */
    Entry first() {
        return held.isEmpty() ? null : held.first();
    }

    /** Every held event up to {@code last} in release order (a view: copy before releasing). */
    NavigableSet<Entry> upTo(Entry last) {
        return held.headSet(last, true);
    }

    NavigableSet<Entry> all() {
        return held;
    }

    /** Takes the event out of the buffer (and out of the store, if a commit wrote it there). */
    void release(Entry e) {
        held.remove(e);
        if (e.stored) {
            store.delete(e.storeKey);
        }
    }

    /**
     * Writes what is held and not yet stored; run by the store just before the task commits. It walks
     * what is held (the watermark keeps that to a few minutes of event time), not a list of what was held
     * since the last commit: that list kept every event of the commit interval reachable, released or not
     * (150,000 decoded events a second in a catch-up), long enough for the young collections to promote
     * them, and the old generation filled every few seconds (bench --days 30: 12 full collections).
     */
    private void writeOut() {
        for (Entry e : held) {
            if (!e.stored) {
                buffered.put(storeKey(e), arrivedAtBytes(e.arrivedAt), e.time);
                e.stored = true;
            }
        }
    }

    /** The release order (see the class doc). */
    int compare(Entry a, Entry b) {
        if (a == b) {
            return 0;
        }
        int order = Long.compare(a.time, b.time);
        if (order != 0) {
            return order;
        }
        order = Byte.compare(a.kind, b.kind);
        if (order != 0) {
            return order;
        }
        order = Integer.compare(a.clusterUtf8.length, b.clusterUtf8.length);
        if (order != 0) {
            return order;
        }
        order = Arrays.compareUnsigned(a.clusterUtf8, b.clusterUtf8);
        if (order != 0) {
            return order;
        }
        order = source(a).compareTo(source(b));
        return order != 0 ? order : Arrays.compareUnsigned(encoded(a), encoded(b));
    }

    private static String source(Entry e) {
        if (e.source == null) {
            final Object payload = e.event.getPayload();
            if (payload instanceof MemorySample m) {
                e.source = m.getVmid() == null ? m.getHost() : m.getHost() + "/" + m.getVmid();
            } else if (payload instanceof EtcdLatencySample s) {
                e.source = s.getMember();
            } else {
                e.source = "";
            }
        }
        return e.source;
    }

    private byte[] encoded(Entry e) {
        if (e.encoded == null) {
            e.encoded = events.serializer().serialize(null, e.event);
        }
        return e.encoded;
    }

    /** Event time, kind, cluster, content: the release order, and equal only for the same event twice. */
    private Bytes storeKey(Entry e) {
        if (e.storeKey == null) {
            final byte[] event = encoded(e);
            e.storeKey = Bytes.wrap(ByteBuffer.allocate(8 + 1 + 2 + e.clusterUtf8.length + event.length)
                    .putLong(e.time)
                    .put(e.kind)
                    .putShort((short) e.clusterUtf8.length)
                    .put(e.clusterUtf8)
                    .put(event)
                    .array());
        }
        return e.storeKey;
    }

    private Entry decode(Bytes key, byte[] value) {
        final ByteBuffer b = ByteBuffer.wrap(key.get());
        final long time = b.getLong();
        final byte kind = b.get();
        final byte[] cluster = new byte[b.getShort()];
        b.get(cluster);
        final byte[] event = new byte[b.remaining()];
        b.get(event);
        final Entry e = new Entry(time, kind, new String(cluster, StandardCharsets.UTF_8),
                events.deserializer().deserialize(null, event), value.length == 8 ? ByteBuffer.wrap(value).getLong() : 0L);
        e.encoded = event;
        e.storeKey = key;
        return e;
    }

    private static byte[] arrivedAtBytes(long arrivedAt) {
        return ByteBuffer.allocate(8).putLong(arrivedAt).array();
    }
}
