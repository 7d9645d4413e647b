package io.incidentcorrelator.kafkainternal;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A store's entries in key order with the writes buffered since the last commit over them: a
 * buffered key replaces the store's entry, a buffered null (a delete) hides it. What the commit-
 * buffered stores answer on the writing thread without writing their buffer out.
 */
class OverlayIterator<K, V> implements KeyValueIterator<K, V> {

    private final KeyValueIterator<K, V> below;
    private final Iterator<? extends Map.Entry<K, V>> over;
    private final Comparator<? super K> order;
    private Map.Entry<K, V> nextOver;
    private KeyValue<K, V> next;

    OverlayIterator(KeyValueIterator<K, V> below, Iterator<? extends Map.Entry<K, V>> over, Comparator<? super K> order) {
        this.below = below;
        this.over = over;
        this.order = order;
        this.nextOver = over.hasNext() ? over.next() : null;
    }

    @Override
    public boolean hasNext() {
        while (next == null) {
            final K belowKey = below.hasNext() ? below.peekNextKey() : null;
            if (belowKey == null && nextOver == null) {
                return false;
            }
            final int c = belowKey == null ? 1 : nextOver == null ? -1 : order.compare(belowKey, nextOver.getKey());
            if (c < 0) {
                next = below.next();
                continue;
            }
            if (c == 0) {
                below.next(); // written again since the last commit
            }
            if (nextOver.getValue() != null) {
                next = KeyValue.pair(nextOver.getKey(), nextOver.getValue());
            }
            nextOver = over.hasNext() ? over.next() : null;
        }
        return true;
    }

    @Override
    public KeyValue<K, V> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        final KeyValue<K, V> n = next;
        next = null;
        return n;
    }

    @Override
    public K peekNextKey() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return next.key;
    }

    @Override
    public void close() {
        below.close();
    }
}
