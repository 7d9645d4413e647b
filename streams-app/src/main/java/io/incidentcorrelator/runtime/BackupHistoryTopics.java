package io.incidentcorrelator.runtime;

import io.incidentcorrelator.advise.BackupHistory;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.topics.TopicNames;

import java.util.Map;

/** The backup advice's input as the running pipeline's topics hold it. */
public final class BackupHistoryTopics {

    private BackupHistoryTopics() {
    }

    public static BackupHistory read(String bootstrap, SchemaRegistryClient registry, Map<String, String> overrides,
                                     TopicNames topics) {
        return new BackupHistory(
                TopicSnapshot.values(bootstrap, registry, overrides, topics.backupEvents(), BackupEvent.class),
                TopicSnapshot.table(bootstrap, registry, overrides, topics.inventory(), NodePlacement.class),
                TopicSnapshot.table(bootstrap, registry, overrides, topics.storageLocations(), StorageLocation.class),
                TopicSnapshot.table(bootstrap, registry, overrides, topics.incidents(), Incident.class));
    }
}
