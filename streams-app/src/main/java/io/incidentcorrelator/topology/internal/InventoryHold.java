package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Events that no inventory record places yet, kept in a changelogged store until one does
 * (docs/architecture.md, "Events before their inventory"). Held events are ordered by event time,
 * so that they are released as a replay with the inventory first would have read them; the oldest
 * held restart holds the routing task's watermark back (samples and backups do not: a Proxmox host
 * that runs no Kubernetes node would hold it back for good; released, they are correlated as a
 * source that catches up). The hold is bounded: by {@code capacity}
 * events (the oldest goes first) and by the catch-up {@code horizon}, both in wall-clock time held
 * and in event time once a clock tick promises that everything up to it was produced.
 *
 * <p>It also remembers the inventory gaps already given up on (a host, cluster or node for which an
 * event was held the whole horizon in vain): later events of that gap are not held again, so that a
 * host the inventory will never know costs one horizon, not one per event. A gap is forgotten when
 * the inventory places it.
 *
 * <p>Plain class over the store: the rules are tested with the topology test driver and restored
 * from the changelog after a crash, so exactly-once keeps what is held.
 */
public final class InventoryHold {

    /** An event waiting for the inventory, with where it was read (for the dead-letter headers). */
    public record Held(long timestamp, String key, CorrelationEvent event, String topic, int partition, long offset) {
    }

    private static final byte EVENT = 0;
    private static final byte GAP = 1;

    private final KeyValueStore<Bytes, byte[]> store;
    private final Serde<CorrelationEvent> events;
    private final int capacity;
    private final long horizonMs;
    private long sequence;
    private int size;
    /** Gaps known to be given up on: asked for every sample of a host the inventory will never know. */
    private final Set<String> givenUp = new HashSet<>();
    /** Event time of the oldest held restart, or null when it must be looked up again. */
    private Long oldestRestart;

    public InventoryHold(KeyValueStore<Bytes, byte[]> store, Serde<CorrelationEvent> events, int capacity,
                         Duration horizon) {
        this.store = Objects.requireNonNull(store, "store");
        this.events = Objects.requireNonNull(events, "events");
        this.capacity = capacity;
        this.horizonMs = horizon.toMillis();
        // After a restart: the size and the next sequence number from what the changelog restored.
        try (KeyValueIterator<Bytes, byte[]> it = store.range(eventKey(Long.MIN_VALUE, 0), gapKey(""))) {
            while (it.hasNext()) {
                final ByteBuffer key = ByteBuffer.wrap(it.next().key.get());
                if (key.get() == EVENT) {
                    size++;
                    key.getLong();
                    sequence = Math.max(sequence, key.getLong() + 1);
                }
            }
        }
    }

    public int size() {
        return size;
    }

    /** Holds {@code held}; returns the oldest event if the hold is now over capacity (removed), else null. */
    public Held hold(Held held, long wallClock) {
        final byte[] topic = held.topic() == null ? new byte[0] : held.topic().getBytes(StandardCharsets.UTF_8);
        final byte[] key = held.key() == null ? null : held.key().getBytes(StandardCharsets.UTF_8);
        final byte[] event = events.serializer().serialize(null, held.event());
        final boolean restart = held.event().getPayload() instanceof PodRestart;
        final ByteBuffer value = ByteBuffer.allocate(8 + 1 + 4 + 8 + 4 + topic.length + 4
                + (key == null ? 0 : key.length) + event.length);
        value.putLong(wallClock).put((byte) (restart ? 1 : 0)).putInt(held.partition()).putLong(held.offset());
        value.putInt(topic.length).put(topic);
        value.putInt(key == null ? -1 : key.length);
        if (key != null) {
            value.put(key);
        }
        value.put(event);
        store.put(eventKey(held.timestamp(), sequence++), value.array());
        size++;
        if (restart && oldestRestart != null) {
            oldestRestart = Math.min(oldestRestart, held.timestamp());
        }
        if (size <= capacity) {
            return null;
        }
        final List<Held> first = take(1, (timestamp, heldAt, h) -> true);
        return first.isEmpty() ? null : first.get(0);
    }

    /** Event time of the oldest held restart, or {@link Long#MAX_VALUE} when none is held. */
    public long oldestRestart() {
        if (size == 0) {
            return Long.MAX_VALUE;
        }
        if (oldestRestart == null) {
            oldestRestart = Long.MAX_VALUE;
            try (KeyValueIterator<Bytes, byte[]> it = store.range(eventKey(Long.MIN_VALUE, 0), gapKey(""))) {
                while (it.hasNext()) {
                    final KeyValue<Bytes, byte[]> entry = it.next();
                    if (entry.key.get()[0] == EVENT && entry.value[8] == 1) {
                        oldestRestart = timestampOf(entry.key);
                        break;
                    }
                }
            }
        }
        return oldestRestart;
    }

    /** Removes and returns, in event-time order, the held events that {@code placed} accepts now. */
    public List<Held> release(Predicate<Held> placed) {
        return take(Integer.MAX_VALUE, (timestamp, heldAt, h) -> placed.test(h.get()));
    }

    /**
     * Removes and returns, in event-time order, the events held for the horizon of wall-clock time,
     * or that a clock tick at {@code clockFloor} has passed by the horizon.
     */
    public List<Held> expired(long wallClock, long clockFloor) {
        return take(Integer.MAX_VALUE, (timestamp, heldAt, h) -> wallClock - heldAt >= horizonMs
                || (clockFloor != InputWatermark.NONE && clockFloor - timestamp > horizonMs));
    }

    /** Whether events of this gap ({@link InventoryGap#key()}) were already given up on. */
    public boolean givenUp(String gap) {
        if (givenUp.contains(gap)) {
            return true;
        }
        if (store.get(gapKey(gap)) == null) {
            return false;
        }
        givenUp.add(gap);
        return true;
    }

    public void giveUp(String gap) {
        if (givenUp.add(gap)) {
            store.put(gapKey(gap), new byte[0]);
        }
    }

    /** Forgets the gaps that {@code closed} says the inventory now places. */
    public void forgetClosed(Predicate<String> closed) {
        final List<Bytes> forget = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.range(gapKey(""), new Bytes(new byte[] {GAP + 1}))) {
            while (it.hasNext()) {
                final Bytes key = it.next().key;
                final String gap = new String(key.get(), 1, key.get().length - 1, StandardCharsets.UTF_8);
                if (closed.test(gap)) {
                    forget.add(key);
                }
            }
        }
        forget.forEach(store::delete);
        givenUp.clear(); // asked of the store again
    }

    private interface Choice {
        /** @param held decodes the event, only if the choice needs it */
        boolean take(long timestamp, long heldAt, Supplier<Held> held);
    }

    private List<Held> take(int max, Choice choice) {
        final List<Held> out = new ArrayList<>();
        if (size == 0) {
            return out;
        }
        final List<Bytes> taken = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.range(eventKey(Long.MIN_VALUE, 0), gapKey(""))) {
            while (it.hasNext() && out.size() < max) {
                final KeyValue<Bytes, byte[]> entry = it.next();
                if (entry.key.get()[0] != EVENT) {
                    continue;
                }
                final ByteBuffer value = ByteBuffer.wrap(entry.value);
                final long heldAt = value.getLong();
                value.get(); // restart or not
                final long timestamp = timestampOf(entry.key);
                final Held[] decoded = {null};
                final Supplier<Held> held = () -> decoded[0] != null ? decoded[0]
                        : (decoded[0] = decode(timestamp, value));
                if (choice.take(timestamp, heldAt, held)) {
                    out.add(held.get());
                    taken.add(entry.key);
                }
            }
        }
        taken.forEach(store::delete);
        size -= taken.size();
        if (!taken.isEmpty()) {
            oldestRestart = null;
        }
        return out;
    }

    private Held decode(long timestamp, ByteBuffer value) {
        final int partition = value.getInt();
        final long offset = value.getLong();
        final byte[] topic = new byte[value.getInt()];
        value.get(topic);
        final int keyLength = value.getInt();
        String key = null;
        if (keyLength >= 0) {
            final byte[] k = new byte[keyLength];
            value.get(k);
            key = new String(k, StandardCharsets.UTF_8);
        }
        final byte[] event = new byte[value.remaining()];
        value.get(event);
        return new Held(timestamp, key, events.deserializer().deserialize(null, event),
                topic.length == 0 ? null : new String(topic, StandardCharsets.UTF_8), partition, offset);
    }

    /** Held events sort by event time, then by arrival; the sign bit flipped so that bytes sort as numbers. */
    private static Bytes eventKey(long timestamp, long sequence) {
        return new Bytes(ByteBuffer.allocate(17).put(EVENT).putLong(timestamp ^ Long.MIN_VALUE).putLong(sequence).array());
    }

    private static long timestampOf(Bytes eventKey) {
        return ByteBuffer.wrap(eventKey.get(), 1, 8).getLong() ^ Long.MIN_VALUE;
    }

    private static Bytes gapKey(String gap) {
        final byte[] text = gap.getBytes(StandardCharsets.UTF_8);
        return new Bytes(ByteBuffer.allocate(1 + text.length).put(GAP).put(text).array());
    }
}
