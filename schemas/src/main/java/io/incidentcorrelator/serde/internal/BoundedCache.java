package io.incidentcorrelator.serde.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A small LRU map for schema ids and readers. Entries are cheap to recompute (one registry call), so a plain
 * synchronized map is enough: the registry call itself happens outside the lock.
 */
public final class BoundedCache<K, V> {

    private final Map<K, V> entries;

    public BoundedCache(int maxEntries) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > maxEntries;
            }
        };
    }

    public V get(K key, Function<K, V> loader) {
        synchronized (entries) {
            final V cached = entries.get(key);
            if (cached != null) {
                return cached;
            }
        }
        // Two threads may both load the same key; both get the same answer from the registry, which is harmless.
        final V loaded = loader.apply(key);
        synchronized (entries) {
            entries.put(key, loaded);
        }
        return loaded;
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
