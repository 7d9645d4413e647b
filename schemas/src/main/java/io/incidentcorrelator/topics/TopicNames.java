package io.incidentcorrelator.topics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The name of every topic of the registry ({@link Topic#ALL}) as configured. Defaults are the
 * contract's; each can be configured, and a prefix namespaces them all (a replay against a shared
 * cluster must not write into the live input topics).
 */
public final class TopicNames {

    private final Map<Topic<?>, String> names;

    private TopicNames(Map<Topic<?>, String> names) {
        this.names = Collections.unmodifiableMap(names);
    }

    /** @param nameOf each topic's name; called once for every topic of the registry */
    public static TopicNames of(Function<Topic<?>, String> nameOf) {
        final Map<Topic<?>, String> names = new LinkedHashMap<>();
        for (Topic<?> topic : Topic.ALL) {
            names.put(topic, Objects.requireNonNull(nameOf.apply(topic), topic.id()));
        }
        return new TopicNames(names);
    }

    public static TopicNames defaults() {
        return of(Topic::defaultName);
    }

    public TopicNames withPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return this;
        }
        return of(t -> prefix + name(t));
    }

    /** These names with {@code topic} named {@code name}. */
    public TopicNames with(Topic<?> topic, String name) {
        return of(t -> t == topic ? name : name(t));
    }

    public String name(Topic<?> topic) {
        return names.get(topic);
    }

    /** The registry's topic with this configured name. */
    public Optional<Topic<?>> topicNamed(String name) {
        return names.entrySet().stream().filter(e -> e.getValue().equals(name)).map(Map.Entry::getKey).findFirst();
    }

    /** Every topic named here, in the registry's order. */
    public List<String> all() {
        return List.copyOf(names.values());
    }

    /** Event streams, read with event time from their payload. */
    public List<String> eventTopics() {
        return Topic.withRole(Topic.Role.EVENTS).stream().map(this::name).toList();
    }

    // Shorthands for name(Topic.X), for the code that means one topic in particular.

    public String podRestarts() {
        return name(Topic.POD_RESTARTS);
    }

    public String backupEvents() {
        return name(Topic.BACKUP_EVENTS);
    }

    public String etcdLatency() {
        return name(Topic.ETCD_LATENCY);
    }

    public String proxmoxMemory() {
        return name(Topic.PROXMOX_MEMORY);
    }

    public String inventory() {
        return name(Topic.INVENTORY);
    }

    public String storageLocations() {
        return name(Topic.STORAGE_LOCATIONS);
    }

    public String incidents() {
        return name(Topic.INCIDENTS);
    }

    public String deadLetter() {
        return name(Topic.DEAD_LETTER);
    }

    public String clock() {
        return name(Topic.CLOCK);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicNames other && names.equals(other.names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }

    @Override
    public String toString() {
        return "TopicNames" + names;
    }
}
