package io.incidentcorrelator.advise;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.replay.ScenarioEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * What the advice is computed from, wherever it was read: the backup phases, the inventory
 * (control-plane nodes, which host holds which storage) and the newest revision of every incident.
 */
public record BackupHistory(List<BackupEvent> backups, List<NodePlacement> inventory,
                            List<StorageLocation> storageLocations, List<Incident> incidents) {

    public BackupHistory {
        backups = List.copyOf(backups);
        inventory = List.copyOf(inventory);
        storageLocations = List.copyOf(storageLocations);
        incidents = List.copyOf(incidents);
    }

    /** Scenario files' events, with the incidents their replay produced. */
    public static BackupHistory of(List<ScenarioEvent> events, List<Incident> incidents) {
        final List<BackupEvent> backups = new ArrayList<>();
        final List<NodePlacement> inventory = new ArrayList<>();
        final List<StorageLocation> storages = new ArrayList<>();
        for (ScenarioEvent e : events) {
            if (e.value() instanceof BackupEvent b) {
                backups.add(b);
            } else if (e.value() instanceof NodePlacement p) {
                inventory.add(p);
            } else if (e.value() instanceof StorageLocation s) {
                storages.add(s);
            }
        }
        return new BackupHistory(backups, inventory, storages, incidents);
    }
}
