package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends each event to the cluster(s) whose restarts it can explain. Restarts and etcd samples
 * belong to their cluster. A host's samples go to every cluster with a node on that host; a
 * backup goes to every cluster with a node on the host that runs it or on the host that
 * receives it (its target, from the event or from the storage's location). A guest's sample
 * goes only to the cluster whose node that guest is: the classifier reads a guest's samples
 * for restarts on that node alone, so elsewhere they were stored and never read. Clock ticks
 * go everywhere.
 */
public final class EventRouter implements Processor<String, CorrelationEvent, String, CorrelationEvent> {

    /** Key of clock ticks; the partitioner sends them to every partition. */
    public static final String BROADCAST_KEY = "*";

    private static final Logger LOG = LoggerFactory.getLogger(EventRouter.class);

    private ProcessorContext<String, CorrelationEvent> context;
    private KeyValueStore<String, ValueAndTimestamp<NodePlacement>> inventory;
    private KeyValueStore<String, ValueAndTimestamp<StorageLocation>> storageLocations;
    private long unroutable;

    /** Bumped by {@link GlobalTableUpdater} on every inventory change; the index is rebuilt when it moves. */
    private final AtomicLong inventoryVersion;
    private long indexedVersion = -1;
    private Map<String, Set<String>> clustersByHost = Map.of();
    private Map<String, String> clusterByGuest = Map.of();

    public EventRouter(AtomicLong inventoryVersion) {
        this.inventoryVersion = inventoryVersion;
    }

    @Override
    public void init(ProcessorContext<String, CorrelationEvent> context) {
        this.context = context;
        this.inventory = context.getStateStore(StoreNames.INVENTORY);
        this.storageLocations = context.getStateStore(StoreNames.STORAGE_LOCATIONS);
    }

    @Override
    public void process(Record<String, CorrelationEvent> record) {
        final Object payload = record.value().getPayload();
        if (payload instanceof PodRestart r) {
            context.forward(record.withKey(r.getCluster()));
        } else if (payload instanceof EtcdLatencySample s) {
            context.forward(record.withKey(s.getCluster()));
        } else if (payload instanceof MemorySample m) {
            if (m.getVmid() == null) {
                forwardToClusters(record, Set.of(m.getHost()));
            } else {
                forwardToGuestCluster(record, m);
            }
        } else if (payload instanceof BackupEvent b) {
            final BackupEvent resolved = withTargetHost(b);
            final Set<String> hosts = new TreeSet<>();
            hosts.add(resolved.getHost());
            if (resolved.getTargetHost() != null) {
                hosts.add(resolved.getTargetHost());
            }
            forwardToClusters(record.withValue(new CorrelationEvent(resolved)), hosts);
        } else if (payload instanceof ClockTick) {
            context.forward(record.withKey(BROADCAST_KEY));
        }
    }

    private BackupEvent withTargetHost(BackupEvent b) {
        if (b.getTargetHost() != null || b.getStorage() == null) {
            return b;
        }
        final ValueAndTimestamp<StorageLocation> location = storageLocations.get(b.getStorage());
        if (location == null || location.value() == null) {
            return b;
        }
        return BackupEvent.newBuilder(b).setTargetHost(location.value().getHost()).build();
    }

    private void forwardToClusters(Record<String, CorrelationEvent> record, Set<String> hosts) {
        final Set<String> clusters = clustersOn(hosts);
        if (clusters.isEmpty()) {
            // No inventoried node lives there: nothing this event could explain.
            if (unroutable++ % 10_000 == 0) {
                LOG.debug("No cluster has a node on {}; {} such events so far", hosts, unroutable);
            }
            return;
        }
        for (String cluster : clusters) {
            context.forward(record.withKey(cluster));
        }
    }

    private void forwardToGuestCluster(Record<String, CorrelationEvent> record, MemorySample m) {
        refreshIndex();
        final String cluster = clusterByGuest.get(guestKey(m.getHost(), m.getVmid()));
        if (cluster == null) {
            // Not a Kubernetes node: no restart's classification reads this guest's samples.
            return;
        }
        context.forward(record.withKey(cluster));
    }

    private Set<String> clustersOn(Set<String> hosts) {
        refreshIndex();
        if (hosts.size() == 1) {
            return clustersByHost.getOrDefault(hosts.iterator().next(), Set.of());
        }
        final Set<String> clusters = new TreeSet<>();
        for (String host : hosts) {
            clusters.addAll(clustersByHost.getOrDefault(host, Set.of()));
        }
        return clusters;
    }

    /** Rebuilds the indexes from the inventory store if it changed since the last build. */
    private void refreshIndex() {
        final long version = inventoryVersion.get();
        if (version == indexedVersion) {
            return;
        }
        final Map<String, Set<String>> byHost = new HashMap<>();
        final Map<String, String> byGuest = new HashMap<>();
        try (KeyValueIterator<String, ValueAndTimestamp<NodePlacement>> it = inventory.all()) {
            while (it.hasNext()) {
                final KeyValue<String, ValueAndTimestamp<NodePlacement>> entry = it.next();
                final NodePlacement placement = entry.value == null ? null : entry.value.value();
                if (placement != null) {
                    // TreeSet: clusters are forwarded in name order, as before the index.
                    byHost.computeIfAbsent(placement.getHost(), h -> new TreeSet<>()).add(placement.getCluster());
                    if (placement.getVmid() != null) {
                        byGuest.put(guestKey(placement.getHost(), placement.getVmid()), placement.getCluster());
                    }
                }
            }
        }
        clustersByHost = byHost;
        clusterByGuest = byGuest;
        indexedVersion = version;
    }

    private static String guestKey(String host, int vmid) {
        return host + "/" + vmid;
    }
}
