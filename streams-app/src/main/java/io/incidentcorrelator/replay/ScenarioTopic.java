package io.incidentcorrelator.replay;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.replay.internal.JsonText;
import org.apache.avro.specific.SpecificRecord;

import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The contract's input topics as they are named in scenario files, with each topic's value
 * type, key and event time. Declared in the contract's order; replay uses that order to break
 * ties between events of the same millisecond.
 */
public enum ScenarioTopic {

    POD_RESTARTS("pod-restarts", PodRestart.class,
            r -> String.join("/", r.getCluster(), r.getNamespace(), r.getPod(), r.getContainer()),
            PodRestart::getFinishedAt),

    BACKUP_EVENTS("backup-events", BackupEvent.class,
            ScenarioTopic::backupKey,
            BackupEvent::getTime),

    ETCD_LATENCY("etcd-latency", EtcdLatencySample.class,
            r -> r.getCluster() + "/" + r.getMember(),
            EtcdLatencySample::getTime),

    PROXMOX_MEMORY("proxmox-memory", MemorySample.class,
            r -> r.getVmid() == null ? r.getHost() : r.getHost() + "/" + r.getVmid(),
            MemorySample::getTime),

    INVENTORY("inventory", NodePlacement.class,
            r -> r.getCluster() + "/" + r.getNode(),
            r -> null),

    STORAGE_LOCATIONS("storage-locations", StorageLocation.class,
            StorageLocation::getStorage,
            r -> null);

    private final String topicName;
    private final Class<? extends SpecificRecord> valueClass;
    private final Function<SpecificRecord, String> key;
    private final Function<SpecificRecord, Instant> eventTime;

    <T extends SpecificRecord> ScenarioTopic(String topicName, Class<T> valueClass,
                                             Function<T, String> key, Function<T, Instant> eventTime) {
        this.topicName = topicName;
        this.valueClass = valueClass;
        this.key = r -> key.apply(valueClass.cast(r));
        this.eventTime = r -> eventTime.apply(valueClass.cast(r));
    }

    /** The default topic name, as written in scenario files ({@code pod-restarts}). */
    public String topicName() {
        return topicName;
    }

    public Class<? extends SpecificRecord> valueClass() {
        return valueClass;
    }

    /** The key the contract gives a value of this topic. */
    public String deriveKey(SpecificRecord value) {
        return key.apply(checked(value));
    }

    /** The value's event time; empty for the inventory and storage locations. */
    public Optional<Instant> eventTime(SpecificRecord value) {
        return Optional.ofNullable(eventTime.apply(checked(value)));
    }

    /**
     * The topic with this scenario name.
     *
     * @throws IllegalArgumentException {@code unknown topic "x" (expected one of pod-restarts, ...)}
     */
    public static ScenarioTopic byName(String name) {
        for (ScenarioTopic topic : values()) {
            if (topic.topicName.equals(name)) {
                return topic;
            }
        }
        String known = Arrays.stream(values()).map(ScenarioTopic::topicName).collect(Collectors.joining(", "));
        throw new IllegalArgumentException(
                "unknown topic " + JsonText.quote(String.valueOf(name)) + " (expected one of " + known + ")");
    }

    private SpecificRecord checked(SpecificRecord value) {
        if (!valueClass.isInstance(value)) {
            throw new IllegalArgumentException(topicName + " takes " + valueClass.getSimpleName() + ", not "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        return value;
    }

    /** A job's phases share a key so they stay in order on one partition; storage or host when no id is known. */
    private static String backupKey(BackupEvent e) {
        String id = e.getJobId() != null ? e.getJobId()
                : e.getUpid() != null ? e.getUpid()
                : e.getStorage();
        return id == null ? e.getHost() : e.getHost() + "/" + id;
    }
}
