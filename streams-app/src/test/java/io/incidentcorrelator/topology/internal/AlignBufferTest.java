package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.classify.Events;
import io.incidentcorrelator.kafkainternal.CommitBufferedKeyValueStore;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What of the aligner's buffer reaches its store (and changelog) at a commit, and what a restart reads back. */
class AlignBufferTest {

    private final Serde<CorrelationEvent> events = Pipeline.internalSerdes().forValue(CorrelationEvent.class);
    private KeyValueStore<Bytes, byte[]> store;

    @BeforeEach
    void open() {
        store = CommitBufferedKeyValueStore.builder(Stores.inMemoryKeyValueStore(StoreNames.ALIGN_BUFFER))
                .withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void onlyWhatIsStillHeldAtTheCommitIsWrittenAndARestartReadsItBackInOrder() {
        final AlignBuffer buffer = new AlignBuffer(store, events);
        final AlignBuffer.Entry early = hold(buffer, "02:20", 1);
        final AlignBuffer.Entry late = hold(buffer, "02:30", 2);
        hold(buffer, "02:25", 3);
        assertNull(hold(buffer, "02:30", 2), "the same event twice is held once");
        assertEquals(3, buffer.size());
        buffer.release(early);

        ((CommitBufferedKeyValueStore) store).flushCache(); // the task commits
        assertEquals(2, stored(), "released before the commit: never written");

        buffer.release(late);
        assertEquals(1, stored(), "released after the commit: deleted at once");

        final AlignBuffer restored = new AlignBuffer(store, events);
        assertEquals(1, restored.size());
        final AlignBuffer.Entry entry = restored.first();
        assertEquals(Events.at("02:25").toEpochMilli(), entry.time);
        assertEquals(3, entry.arrivedAt, "the wall clock it arrived, for the provisional flush");
        assertEquals(event("02:25"), entry.event);
        assertEquals("prod", entry.cluster);
    }

    @Test
    void eventsOfOneInstantAreOrderedByKindThenClusterThenContent() {
        final AlignBuffer buffer = new AlignBuffer(store, events);
        final CorrelationEvent restart = new CorrelationEvent(Events.restart("prod", "kube-scheduler-talos-cp-01",
                "talos-cp-01", "02:20").build());
        final long t = Events.at("02:20").toEpochMilli();
        buffer.hold(t, (byte) 3, "prod", restart, 0);
        buffer.hold(t, (byte) 0, "prod", event("02:20"), 0);
        buffer.hold(t, (byte) 0, "a", event("02:20"), 0);
        buffer.hold(t, (byte) 0, "prod", new CorrelationEvent(Events.host("ruapehu", "02:20", 0.9, 0.1, 0.1)), 0);
        final List<String> order = new ArrayList<>();
        for (AlignBuffer.Entry e : buffer.all()) {
            order.add(e.kind + " " + e.cluster);
        }
        assertEquals(List.of("0 a", "0 prod", "0 prod", "3 prod"), order);
    }

    private AlignBuffer.Entry hold(AlignBuffer buffer, String at, long arrivedAt) {
        final AlignBuffer.Entry held = buffer.hold(Events.at(at).toEpochMilli(), (byte) 0, "prod", event(at), arrivedAt);
        if (held != null) {
            assertNotNull(buffer.first());
        }
        return held;
    }

    private static CorrelationEvent event(String at) {
        return new CorrelationEvent(Events.host("ruapehu", at, 0.7, 0.3, 0.3));
    }

    /** Entries in the store below, as a restart would restore them. */
    private int stored() {
        int n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }
}
