package io.incidentcorrelator.topics;

import java.util.List;
import java.util.Objects;

/**
 * Names of every topic the pipeline reads or writes. Defaults are the contract's; each can be
 * configured, and a prefix namespaces them all (a replay against a shared cluster must not
 * write into the live input topics).
 */
public record TopicNames(
        String podRestarts,
        String backupEvents,
        String etcdLatency,
        String proxmoxMemory,
        String inventory,
        String storageLocations,
        String incidents,
        String deadLetter,
        String clock) {

    public TopicNames {
        Objects.requireNonNull(podRestarts, "podRestarts");
        Objects.requireNonNull(backupEvents, "backupEvents");
        Objects.requireNonNull(etcdLatency, "etcdLatency");
        Objects.requireNonNull(proxmoxMemory, "proxmoxMemory");
        Objects.requireNonNull(inventory, "inventory");
        Objects.requireNonNull(storageLocations, "storageLocations");
        Objects.requireNonNull(incidents, "incidents");
        Objects.requireNonNull(deadLetter, "deadLetter");
        Objects.requireNonNull(clock, "clock");
    }

    public static TopicNames defaults() {
        return new TopicNames("pod-restarts", "backup-events", "etcd-latency", "proxmox-memory", "inventory",
                "storage-locations", "incidents", "incident-correlator-dead-letters", "incident-correlator-clock");
    }

    public TopicNames withPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return this;
        }
        return new TopicNames(prefix + podRestarts, prefix + backupEvents, prefix + etcdLatency,
                prefix + proxmoxMemory, prefix + inventory, prefix + storageLocations, prefix + incidents,
                prefix + deadLetter, prefix + clock);
    }

    /** Every topic named here. */
    public List<String> all() {
        return List.of(podRestarts, backupEvents, etcdLatency, proxmoxMemory, inventory, storageLocations, incidents,
                deadLetter, clock);
    }

    /** Event streams, read with event time from their payload. */
    public List<String> eventTopics() {
        return List.of(podRestarts, backupEvents, etcdLatency, proxmoxMemory);
    }
}
