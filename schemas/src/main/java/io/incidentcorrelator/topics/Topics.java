package io.incidentcorrelator.topics;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.StorageLocation;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.util.Map;
import java.util.Objects;

/**
 * The one place that says which topic carries what: every topic's name, key serde and value
 * serde. Keys are strings everywhere (the contract's composite keys); values are Avro records
 * of the event contract.
 */
public final class Topics {

    private final TopicNames names;
    private final Serde<String> keySerde = Serdes.String();
    private final Serde<PodRestart> podRestarts;
    private final Serde<BackupEvent> backupEvents;
    private final Serde<EtcdLatencySample> etcdLatency;
    private final Serde<MemorySample> proxmoxMemory;
    private final Serde<NodePlacement> inventory;
    private final Serde<StorageLocation> storageLocations;
    private final Serde<Incident> incidents;

    public Topics(TopicNames names, ValueSerdes serdes) {
        this.names = Objects.requireNonNull(names, "names");
        this.podRestarts = serdes.forValue(PodRestart.class);
        this.backupEvents = serdes.forValue(BackupEvent.class);
        this.etcdLatency = serdes.forValue(EtcdLatencySample.class);
        this.proxmoxMemory = serdes.forValue(MemorySample.class);
        this.inventory = serdes.forValue(NodePlacement.class);
        this.storageLocations = serdes.forValue(StorageLocation.class);
        this.incidents = serdes.forValue(Incident.class);
    }

    public TopicNames names() {
        return names;
    }

    public Serde<String> keySerde() {
        return keySerde;
    }

    public Serde<PodRestart> podRestarts() {
        return podRestarts;
    }

    public Serde<BackupEvent> backupEvents() {
        return backupEvents;
    }

    public Serde<EtcdLatencySample> etcdLatency() {
        return etcdLatency;
    }

    public Serde<MemorySample> proxmoxMemory() {
        return proxmoxMemory;
    }

    public Serde<NodePlacement> inventory() {
        return inventory;
    }

    public Serde<StorageLocation> storageLocations() {
        return storageLocations;
    }

    public Serde<Incident> incidents() {
        return incidents;
    }

    /** Topic name → value serde, for code that produces any contract record (replay, collectors). */
    @SuppressWarnings("unchecked")
    public <T extends SpecificRecord> Serde<T> valueSerdeFor(String topic) {
        final Map<String, Serde<? extends SpecificRecord>> byTopic = Map.of(
                names.podRestarts(), podRestarts,
                names.backupEvents(), backupEvents,
                names.etcdLatency(), etcdLatency,
                names.proxmoxMemory(), proxmoxMemory,
                names.inventory(), inventory,
                names.storageLocations(), storageLocations,
                names.incidents(), incidents);
        final Serde<? extends SpecificRecord> serde = byTopic.get(topic);
        if (serde == null) {
            throw new IllegalArgumentException("No contract record is carried on topic " + topic);
        }
        return (Serde<T>) serde;
    }
}
