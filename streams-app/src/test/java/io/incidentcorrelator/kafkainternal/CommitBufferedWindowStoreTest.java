package io.incidentcorrelator.kafkainternal;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class CommitBufferedWindowStoreTest {

    private static final long MINUTE = Duration.ofMinutes(1).toMillis();
    private static final Duration RETENTION = Duration.ofMinutes(10);

    /** What reached the store below (and so its changelog): "key@start=value". */
    private final List<String> writtenBelow = new ArrayList<>();
    private CommitBufferedWindowStore<String> store;

    @BeforeEach
    void open() {
        final WindowStore<String, String> inner = Stores.windowStoreBuilder(
                        Stores.inMemoryWindowStore("buffered", RETENTION, Duration.ofMinutes(1), false),
                        Serdes.String(), Serdes.String())
                .withLoggingDisabled().build();
        store = new CommitBufferedWindowStore<>(recordingPuts(inner), RETENTION.toMillis(), MINUTE);
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void writesReachTheStoreBelowOnlyAtCommitAndOncePerWindow() throws Exception {
        store.put("pve-a", "1", 0);
        store.put("pve-a", "2", 0);
        assertEquals("2", store.fetch("pve-a", 0), "the writing thread reads its own writes");
        assertNull(readOnOtherThread("pve-a", 0), "other threads read as of the last commit");
        assertEquals(List.of(), writtenBelow);

        store.flushCache();

        assertEquals(List.of("pve-a@0=2"), writtenBelow);
        assertEquals("2", readOnOtherThread("pve-a", 0));
    }

    @Test
    void aWindowAlreadyPastRetentionAtCommitIsNotWritten() {
        final long latest = RETENTION.toMillis() + MINUTE;
        store.put("pve-a", "early", 0);
        store.put("pve-a", "edge", latest - RETENTION.toMillis());
        store.put("pve-a", "kept", latest - RETENTION.toMillis() + MINUTE);
        store.put("pve-a", "late", latest);

        store.flushCache();

        // Window starts at or before latest - retention are expired, as Kafka's window stores count it.
        assertEquals(List.of("pve-a@120000=kept", "pve-a@660000=late"), writtenBelow);
        assertNull(store.fetch("pve-a", 0));
        assertEquals("late", store.fetch("pve-a", RETENTION.toMillis() + MINUTE));
    }

    @Test
    void aWindowThatExpiresBeforeTheCommitIsGoneAtOnceForTheWriter() {
        store.put("pve-a", "early", 0);
        assertEquals("early", store.fetch("pve-a", 0));
        store.put("pve-a", "late", RETENTION.toMillis());
        assertNull(store.fetch("pve-a", 0), "expired by the later window, before any commit");
        store.put("pve-a", "too late", 0);
        assertNull(store.fetch("pve-a", 0), "a write to an expired window is dropped");
        store.flushCache();
        assertEquals(List.of("pve-a@600000=late"), writtenBelow);
    }

    @Test
    void aDeleteIsBufferedLikeAWrite() {
        store.put("pve-a", "1", 0);
        store.flushCache();
        store.put("pve-a", null, 0);
        assertNull(store.fetch("pve-a", 0), "the buffered delete hides the stored value");
        assertEquals("1", readOnOtherThread("pve-a", 0));
        store.flushCache();
        assertNull(readOnOtherThread("pve-a", 0));
    }

    @Test
    void aRangeReadOfOneKeySeesTheBufferOverTheStoreWithoutWritingItOut() {
        store.put("pve-a", "stored", 0);
        store.put("pve-a", "overwritten", MINUTE);
        store.put("pve-a", "deleted", 2 * MINUTE);
        store.put("pve-b", "other key", MINUTE);
        store.flushCache();
        writtenBelow.clear();
        store.put("pve-a", "new value", MINUTE);
        store.put("pve-a", null, 2 * MINUTE);
        store.put("pve-a", "new window", 4 * MINUTE);

        final List<String> read = range("pve-a", 0, 10 * MINUTE);

        assertEquals(List.of(), writtenBelow, "read from the buffer, not written out for the read");
        store.flushCache();
        assertEquals(range("pve-a", 0, 10 * MINUTE), read, "what the store answers after the write-out");
        assertEquals(List.of("0=stored", "60000=new value", "240000=new window"), read);
    }

    @Test
    void aRangeReadLeavesOutWhatTheLatestWindowExpiredAsAWriteOutWould() {
        store.put("pve-a", "early", 0);
        store.flushCache();
        store.put("pve-a", "late", RETENTION.toMillis());
        assertEquals(List.of("600000=late"), range("pve-a", 0, RETENTION.toMillis()));
    }

    @Test
    void offTheWindowGridARangeReadWritesTheBufferOut() {
        store.put("pve-a", "odd", 1);
        assertEquals(List.of("1=odd"), range("pve-a", 0, MINUTE));
        assertEquals(List.of("pve-a@1=odd"), writtenBelow);
    }

    private List<String> range(String key, long from, long to) {
        final List<String> out = new ArrayList<>();
        try (WindowStoreIterator<String> it = store.fetch(key, from, to)) {
            it.forEachRemaining(kv -> out.add(kv.key + "=" + kv.value));
        }
        return out;
    }

    private String readOnOtherThread(String key, long start) {
        return CompletableFuture.supplyAsync(() -> store.fetch(key, start)).join();
    }

    @SuppressWarnings("unchecked")
    private WindowStore<String, String> recordingPuts(WindowStore<String, String> inner) {
        return (WindowStore<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{WindowStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("put") && args.length == 3) {
                        writtenBelow.add(args[0] + "@" + args[2] + "=" + args[1]);
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
