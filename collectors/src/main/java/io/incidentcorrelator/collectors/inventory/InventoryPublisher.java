package io.incidentcorrelator.collectors.inventory;

import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.topics.TopicNames;

import java.util.Objects;

/**
 * Sends an {@link Inventory} to the compacted topics: placements to {@code inventory} (key
 * {@code cluster/node}), storage locations to {@code storage-locations} (key storage id).
 * Sending the same inventory again is harmless: compaction keeps the newest value per key.
 */
public final class InventoryPublisher {

    private final Inventory inventory;
    private final TopicNames topics;

    public InventoryPublisher(Inventory inventory, TopicNames topics) {
        this.inventory = Objects.requireNonNull(inventory, "inventory");
        this.topics = Objects.requireNonNull(topics, "topics");
    }

    /** @return the number of records sent */
    public int publish(EventWriter sink) {
        int sent = 0;
        // Storage locations first: the pipeline routes a backup once a placement knows its host, and
        // resolves its target host from the storage's location only if that has been read by then.
        for (StorageLocation s : inventory.storageLocations()) {
            sink.send(topics.storageLocations(), s.getStorage(), s);
            sent++;
        }
        for (NodePlacement p : inventory.placements()) {
            sink.send(topics.inventory(), Inventory.key(p), p);
            sent++;
        }
        return sent;
    }
}
