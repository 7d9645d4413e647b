package io.incidentcorrelator.replay;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Operations on the events of one or more scenario files. */
public final class ScenarioEvents {

    private ScenarioEvents() {
    }

    /**
     * The order to replay events in, the same whatever the order of lines and files: first the
     * tables (inventory, storage locations) by topic and key, so that every event finds its
     * placement; then events by event time, topic (the registry's order), key and value. An event
     * that appears more than once (same topic, key and value) is kept once, so a scenario can be
     * assembled from overlapping files.
     */
    public static List<ScenarioEvent> orderForReplay(Collection<ScenarioEvent> events) {
        // The value's canonical JSON is the last tie-breaker and the identity for duplicates.
        Map<ScenarioEvent, String> canonical = new IdentityHashMap<>();
        for (ScenarioEvent e : events) {
            canonical.put(e, ContractJson.toJsonLine(e.value()));
        }
        Comparator<ScenarioEvent> order = Comparator
                .comparing((ScenarioEvent e) -> e.eventTime() != null)
                .thenComparing(ScenarioEvent::eventTime, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(ScenarioEvent::topic)
                .thenComparing(ScenarioEvent::key)
                .thenComparing(canonical::get)
                // Only duplicates get this far; which copy is kept is still decided by the input.
                .thenComparing(ScenarioEvent::source)
                .thenComparingInt(ScenarioEvent::line);
        List<ScenarioEvent> sorted = new ArrayList<>(events);
        sorted.sort(order);

        Set<String> seen = new HashSet<>();
        List<ScenarioEvent> replay = new ArrayList<>(sorted.size());
        for (ScenarioEvent e : sorted) {
            if (seen.add(e.topic().id() + '\n' + e.key() + '\n' + canonical.get(e))) {
                replay.add(e);
            }
        }
        return List.copyOf(replay);
    }
}
