package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.metrics.CorrelatorMetrics;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
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

    /**
     * Header of a progress record: the routing task (its partition number, 4 bytes) whose low
     * watermark the record's {@link ClockTick} carries. See {@link EventAligner}.
     */
    public static final String HEADER_PROGRESS_FROM = "x-incident-correlator-progress-from";

    /** The data topics a routing task reads one partition of; the clock topic is not one. */
    private static final int DATA_TOPICS = 4;
    /** Progress is sent at least this far apart in event time while records flow (catch-up); see {@link #punctuate}. */
    private static final long PROGRESS_STEP_MS = Duration.ofMinutes(1).toMillis();

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
    private Set<String> clusters = Set.of();
    private Set<String> nodes = Set.of();
    private CorrelatorMetrics metrics;

    private final Duration idleAfter;
    private InputWatermark watermark;
    private long progressSent = InputWatermark.NONE;

    /** @param idleAfter how long an input partition may deliver nothing before it stops holding the watermark back */
    public EventRouter(AtomicLong inventoryVersion, Duration idleAfter) {
        this.inventoryVersion = inventoryVersion;
        this.idleAfter = idleAfter;
    }

    @Override
    public void init(ProcessorContext<String, CorrelationEvent> context) {
        this.context = context;
        this.inventory = context.getStateStore(StoreNames.INVENTORY);
        this.storageLocations = context.getStateStore(StoreNames.STORAGE_LOCATIONS);
        this.metrics = CorrelatorMetrics.from(context.appConfigs());
        // Not restored after a crash: re-derived from the records read again, and the correlation
        // task keeps what it was told last (EventAligner), so a lower value only holds back a while.
        this.watermark = new InputWatermark(idleAfter, DATA_TOPICS, context.currentSystemTimeMs());
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, CorrelationEvent> record) {
        route(record);
        final Object payload = record.value().getPayload();
        if (payload instanceof ClockTick tick) {
            watermark.ticked(tick.getTime().toEpochMilli());
        } else {
            context.recordMetadata().ifPresent(m -> watermark.delivered(m.topic() + "-" + m.partition(),
                    record.timestamp(), context.currentSystemTimeMs()));
        }
        final long now = watermark.at(context.currentSystemTimeMs());
        if (now != InputWatermark.NONE && (progressSent == InputWatermark.NONE || progressSent == InputWatermark.IDLE
                || now == InputWatermark.IDLE || now >= progressSent + PROGRESS_STEP_MS)) {
            sendProgress(now, record.timestamp());
        }
    }

    /**
     * Once a second of wall clock: progress that the per-minute step held back (so a live task's
     * watermark reaches the correlation within a second), and partitions that turned idle.
     */
    private void punctuate(long wallClock) {
        final long now = watermark.at(wallClock);
        if (now != InputWatermark.NONE && now != progressSent) {
            sendProgress(now, Math.max(0, context.currentStreamTimeMs()));
        }
    }

    /** To every partition of events-by-cluster (the partitioner broadcasts clock ticks). */
    private void sendProgress(long watermarkTime, long timestamp) {
        final Record<String, CorrelationEvent> progress = new Record<>(BROADCAST_KEY,
                new CorrelationEvent(new ClockTick(Instant.ofEpochMilli(watermarkTime))), timestamp);
        progress.headers().add(HEADER_PROGRESS_FROM,
                ByteBuffer.allocate(4).putInt(context.taskId().partition()).array());
        context.forward(progress);
        progressSent = watermarkTime;
    }

    /** The routing task of a progress record, or -1 for any other record. */
    public static int progressFrom(Record<?, ?> record) {
        final Header h = record.headers().lastHeader(HEADER_PROGRESS_FROM);
        return h == null ? -1 : ByteBuffer.wrap(h.value()).getInt();
    }

    private void route(Record<String, CorrelationEvent> record) {
        final Object payload = record.value().getPayload();
        if (payload instanceof PodRestart r) {
            countIfUnplaced(r);
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

    /** Still correlated (without host evidence), but the operator learns that the inventory is incomplete. */
    private void countIfUnplaced(PodRestart r) {
        refreshIndex();
        if (!clusters.contains(r.getCluster())) {
            notInInventory("unknown-cluster");
        } else if (r.getNode() != null && !nodes.contains(r.getCluster() + "/" + r.getNode())) {
            notInInventory("unknown-node");
        }
    }

    private void notInInventory(String reason) {
        metrics.notInInventory(reason, context.recordMetadata().map(m -> m.topic()).orElse(null));
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
            notInInventory("unknown-host");
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
            if (!clustersByHost.containsKey(m.getHost())) {
                notInInventory("unknown-host");
            }
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
        final Set<String> knownClusters = new HashSet<>();
        final Set<String> knownNodes = new HashSet<>();
        try (KeyValueIterator<String, ValueAndTimestamp<NodePlacement>> it = inventory.all()) {
            while (it.hasNext()) {
                final KeyValue<String, ValueAndTimestamp<NodePlacement>> entry = it.next();
                final NodePlacement placement = entry.value == null ? null : entry.value.value();
                if (placement != null) {
                    // TreeSet: clusters are forwarded in name order, as before the index.
                    byHost.computeIfAbsent(placement.getHost(), h -> new TreeSet<>()).add(placement.getCluster());
                    knownClusters.add(placement.getCluster());
                    knownNodes.add(placement.getCluster() + "/" + placement.getNode());
                    if (placement.getVmid() != null) {
                        byGuest.put(guestKey(placement.getHost(), placement.getVmid()), placement.getCluster());
                    }
                }
            }
        }
        clustersByHost = byHost;
        clusters = knownClusters;
        nodes = knownNodes;
        clusterByGuest = byGuest;
        indexedVersion = version;
    }

    private static String guestKey(String host, int vmid) {
        return host + "/" + vmid;
    }
}
