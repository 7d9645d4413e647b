package io.incidentcorrelator.kafkainternal;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The aligner's buffer: what reaches the store below (and so the changelog) at each commit. */
class CommitBufferedKeyValueStoreTest {

    /** What reached the store below: "key=value", "key=null" for a delete. */
    private final List<String> writtenBelow = new ArrayList<>();
    private CommitBufferedKeyValueStore store;

    @BeforeEach
    void open() {
        final KeyValueStore<Bytes, byte[]> inner = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore("buffered"), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store = new CommitBufferedKeyValueStore(recordingPuts(inner));
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void anEventBufferedAndReleasedWithinOneCommitNeverReachesTheChangelog() {
        for (int i = 0; i < 1000; i++) {
            store.put(key("e" + i), value("1"));
        }
        store.put(key("held"), value("1"));
        for (int i = 0; i < 1000; i++) {
            store.delete(key("e" + i));
        }

        store.flushCache();
        assertEquals(List.of("held=1"), writtenBelow, "only what is buffered at the commit");

        store.delete(key("held"));
        assertEquals(List.of("held=1", "held=null"), writtenBelow, "released after that commit: one tombstone");
        store.flushCache();
        assertEquals(List.of("held=1", "held=null"), writtenBelow);
    }

    @Test
    void aKeyWrittenTwiceBeforeTheCommitIsWrittenOnceWithItsLastValue() {
        store.put(key("a"), value("1"));
        store.put(key("a"), value("2"));
        assertEquals("2", text(store.get(key("a"))), "the writing thread reads its own writes");
        assertNull(readOnOtherThread("a"), "other threads read as of the last commit");

        store.flushCache();

        assertEquals(List.of("a=2"), writtenBelow);
        assertEquals("2", readOnOtherThread("a"));
    }

    @Test
    void rangeAndAllMergeThePendingWritesInKeyOrder() {
        store.put(key("a"), value("below"));
        store.put(key("c"), value("below"));
        store.put(key("e"), value("below"));
        store.flushCache();

        store.put(key("b"), value("new"));
        store.delete(key("c"));
        store.put(key("e"), value("new"));
        store.put(key("f"), value("new"));

        assertEquals(List.of("a=below", "b=new", "e=new", "f=new"), entries(store.all()));
        assertEquals(List.of("b=new", "e=new"), entries(store.range(key("b"), key("e"))));
        assertEquals(List.of("a=below", "b=new"), entries(store.range(Bytes.wrap(new byte[0]), key("c"))));
        assertEquals(List.of(), entries(store.range(key("f"), key("a"))));
        assertEquals(List.of("a=below", "c=below", "e=below", "c=null"), writtenBelow, "nothing written by the reads");
    }

    private static Bytes key(String k) {
        return Bytes.wrap(k.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] value(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] v) {
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    private static List<String> entries(KeyValueIterator<Bytes, byte[]> it) {
        final List<String> out = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> kv = it.next();
                out.add(text(kv.key.get()) + "=" + text(kv.value));
            }
        }
        return out;
    }

    private String readOnOtherThread(String k) {
        return CompletableFuture.supplyAsync(() -> text(store.get(key(k)))).join();
    }

    @SuppressWarnings("unchecked")
    private KeyValueStore<Bytes, byte[]> recordingPuts(KeyValueStore<Bytes, byte[]> inner) {
        return (KeyValueStore<Bytes, byte[]>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{KeyValueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("put") && args.length == 2) {
                        writtenBelow.add(text(((Bytes) args[0]).get()) + "=" + text((byte[]) args[1]));
                    } else if (method.getName().equals("delete")) {
                        writtenBelow.add(text(((Bytes) args[0]).get()) + "=null");
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
