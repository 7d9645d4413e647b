package io.incidentcorrelator.collectors.kubernetes;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A ledger that lives as long as the process: enough for {@code --print} trials and tests. After a
 * restart the collector baselines again, so restarts that happen while it is down are missed
 * (never duplicated).
 */
public final class InMemoryRestartLedger implements RestartLedger {

    private final Map<String, Entry> entries = new HashMap<>();

    @Override
    public synchronized Optional<Entry> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    @Override
    public synchronized void put(String key, Entry entry) {
        entries.put(key, entry);
    }

    @Override
    public synchronized void remove(String key) {
        entries.remove(key);
    }

    @Override
    public synchronized Set<String> keys() {
        return Set.copyOf(entries.keySet());
    }

    @Override
    public void flush() {
        // Nothing to make durable.
    }
}
