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
import io.incidentcorrelator.topology.CatchUpAlignment;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 *
 * <p>An event that no inventory record places yet (a restart on an unknown cluster or node, a
 * sample or backup of an unknown host) is held ({@link InventoryHold}) and routed when the
 * inventory places it; a held restart holds the task's watermark back meanwhile, so it reaches the
 * correlation in its event-time place. After the catch-up horizon, or when the hold is full, it is given up:
 * counted, dead-lettered keyed by its {@link InventoryGap}, and a restart is still correlated.
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
    /**
     * How long the inventory must stay unchanged before held events are routed by it. It arrives as a
     * burst on two global topics, placements and storage locations, which the global thread reads in no
     * set order: released at the first placement, a backup whose source host was placed went out before
     * its storage's location was read, so the clusters on its target host never got it and its evidence
     * named no target (TopicByTopicIT, inventory last: 1 lost, 1 extra, 2 different).
     */
    private static final long INVENTORY_SETTLE_MS = 2000;
    /** Progress is sent at least this far apart in event time while records flow (catch-up); see {@link #punctuate}. */
    private static final long PROGRESS_STEP_MS = Duration.ofMinutes(1).toMillis();

    private ProcessorContext<String, CorrelationEvent> context;
    /** {@link #punctuate} once a second while it has work. */
    private PunctuationWhileWaiting punctuation;
    private KeyValueStore<String, ValueAndTimestamp<NodePlacement>> inventory;
    private KeyValueStore<String, ValueAndTimestamp<StorageLocation>> storageLocations;

    /**
     * Wall clock of the last change of the inventory or the storage locations ({@link GlobalTableUpdater});
     * the index is rebuilt when it moves, and held events wait {@link #INVENTORY_SETTLE_MS} after it.
     */
    private final AtomicLong inventoryChangedAt;
    private long indexedChangeAt = -1;
    /** The index was rebuilt since held events were last looked at: some may be placed now. */
    private boolean releaseDue;
    private Map<String, Set<String>> clustersByHost = Map.of();
    private Map<String, String> clusterByGuest = Map.of();
    private Set<String> clusters = Set.of();
    private Set<String> nodes = Set.of();
    private CorrelatorMetrics metrics;

    private final Duration idleAfter;
    private InputWatermark watermark;
    private long progressSent = InputWatermark.NONE;
    /** Kinds of event ({@link EventAligner#kindBit}) this task has read or released since it started. */
    private int heard;
    private int heardSent = -1;

    private final Serde<CorrelationEvent> events;
    /** Told where the input stands; null where nothing holds tasks back (the topology test driver). */
    private CatchUpAlignment alignment;
    private long inputTold = InputWatermark.NONE;
    private final Duration holdHorizon;
    private CommitWhenLive commitWhenLive;
    private final int holdCapacity;
    private InventoryHold hold;
    private long nextExpiryCheck;

    /**
     * @param idleAfter    how long an input partition may deliver nothing before it stops holding the watermark back
     * @param events       how held events are kept in the {@link StoreNames#EVENTS_AWAITING_INVENTORY} store
     * @param holdHorizon  how long an event waits for the inventory record that places it (the catch-up horizon)
     * @param holdCapacity how many events a routing task holds at most; the oldest goes first
     */
    public EventRouter(AtomicLong inventoryChangedAt, Duration idleAfter, Serde<CorrelationEvent> events,
                       Duration holdHorizon, int holdCapacity) {
        this.inventoryChangedAt = inventoryChangedAt;
        this.idleAfter = idleAfter;
        this.events = events;
        this.holdHorizon = holdHorizon;
        this.holdCapacity = holdCapacity;
    }

    @Override
    public void init(ProcessorContext<String, CorrelationEvent> context) {
        this.context = context;
        this.commitWhenLive = new CommitWhenLive(context, holdHorizon);
        this.inventory = context.getStateStore(StoreNames.INVENTORY);
        this.storageLocations = context.getStateStore(StoreNames.STORAGE_LOCATIONS);
        this.metrics = CorrelatorMetrics.from(context.appConfigs());
        this.alignment = CatchUpAlignment.from(context.appConfigs());
        this.hold = new InventoryHold(context.getStateStore(StoreNames.EVENTS_AWAITING_INVENTORY), events,
                holdCapacity, holdHorizon);
        // Not restored after a crash: re-derived from the records read again, and the correlation
        // task keeps what it was told last (EventAligner), so a lower value only holds back a while.
        this.watermark = new InputWatermark(idleAfter, holdHorizon, DATA_TOPICS, context.currentSystemTimeMs());
        this.punctuation = new PunctuationWhileWaiting(context, Duration.ofSeconds(1), this::punctuate);
        punctuateWhileWaiting(context.currentSystemTimeMs());
    }

    /**
     * The punctuation runs every second while events are held for the inventory or progress is to be sent;
     * otherwise only when the watermark can move with the wall clock alone (a partition turns idle), and not at
     * all when every partition is idle and said so: nothing changes until the next record, which {@link #process}
     * takes first. Under a homelab's feed this is a punctuation (and a commit) per watermark step instead of one
     * a second.
     */
    private void punctuateWhileWaiting(long wallClock) {
        if (hold.size() > 0 || progressDue(progressAt(wallClock))) {
            punctuation.waiting(true);
        } else {
            punctuation.waitingUntil(watermark.nextChangeAt(wallClock));
        }
    }

    /**
     * Whether {@code now}, the task's progress, is to be sent: it moved on, the task is back from idle,
     * or it reads a kind of event it has not reported yet.
     */
    private boolean progressDue(long now) {
        return now != InputWatermark.NONE && (heard != heardSent || now != progressSent
                && (now > progressSent || progressSent == InputWatermark.IDLE));
    }

    @Override
    public void process(Record<String, CorrelationEvent> record) {
        final long wallClock = context.currentSystemTimeMs();
        releasePlaced();
        if (record.value().getPayload() instanceof ClockTick tick) {
            // Everything up to the tick was produced: what it passed by the horizon waits in vain.
            watermark.ticked(tick.getTime().toEpochMilli());
            giveUpExpired(wallClock);
            context.forward(record.withKey(BROADCAST_KEY));
        } else {
            final Optional<RecordMetadata> source = context.recordMetadata();
            source.ifPresent(m -> watermark.delivered(m.topic() + "-" + m.partition(), record.timestamp(), wallClock));
            heard |= EventAligner.kindBit(record.value().getPayload());
            // A partition heard from for the first time, or again after it was idle, lowers the
            // watermark: say so (and that this task now reads this kind) before its event, or the
            // correlation would release what this task reported last (possibly "idle") past the
            // events it is about to send.
            final long lowered = progressAt(wallClock);
            if (lowered != InputWatermark.NONE && progressSent != InputWatermark.NONE
                    && (lowered < progressSent || heard != heardSent)) {
                sendProgress(lowered, record.timestamp());
            }
            route(record, source.orElse(null), wallClock);
        }
        final long input = inputAt(wallClock);
        final long now = progressOf(input);
        if (now != InputWatermark.NONE && (progressSent == InputWatermark.NONE || progressSent == InputWatermark.IDLE
                || now == InputWatermark.IDLE || now >= progressSent + PROGRESS_STEP_MS || heard != heardSent)) {
            sendProgress(now, record.timestamp());
        }
        tellAlignment(input);
        punctuateWhileWaiting(wallClock);
    }

    /**
     * Once a second of wall clock while there is work ({@link #punctuateWhileWaiting}): events the
     * inventory now places, events held the whole horizon, progress that the per-minute step held
     * back (so a live task's watermark reaches the correlation within a second), and partitions
     * that turned idle.
     */
    private void punctuate(long wallClock) {
        releasePlaced();
        if (wallClock >= nextExpiryCheck) {
            giveUpExpired(wallClock);
            nextExpiryCheck = wallClock + Math.max(1000, holdHorizon.toMillis() / 120);
        }
        final long input = inputAt(wallClock);
        final long now = progressOf(input);
        if (progressDue(now)) {
            sendProgress(now, Math.max(0, context.currentStreamTimeMs()));
        }
        tellAlignment(input);
        punctuateWhileWaiting(wallClock);
    }

    /**
     * The task's input watermark, held back by the oldest restart waiting for the inventory: once
     * placed, it reaches the correlation in its event-time place, as if the inventory had come first.
     */
    private long progressAt(long wallClock) {
        return progressOf(inputAt(wallClock));
    }

    private long progressOf(long input) {
        return input == InputWatermark.NONE ? input : Math.min(input, hold.oldestRestart());
    }

    /** The task's input watermark, not held back by what waits for the inventory. */
    private long inputAt(long wallClock) {
        // Before the first inventory record, while events wait for it, idleness by wall clock only:
        // TopicByTopicIT (inventory last) lost 50 samples as late when the event-time rule moved a
        // watermark past a hold. Once the inventory is there, what waits is mostly a host it will never
        // place (a Proxmox host with no Kubernetes node, given up after the horizon of wall clock):
        // without the rule, a sparse partition pinned the watermark for idle-after of wall clock at a
        // time while the task read hours ahead, and a month's catch-up filled a 256 MiB heap.
        return watermark.at(wallClock, hold.size() == 0 || !clusters.isEmpty());
    }

    /**
     * Tells the {@link CatchUpAlignment} where the task's input stands: every minute of event time it
     * moves, and at once when it goes back or turns idle. The input watermark, not the progress: a
     * restart waiting for the inventory holds the progress back until the inventory or the horizon of
     * wall clock comes, and a task held behind it would have read neither its records nor the tick
     * that ends the wait.
     */
    private void tellAlignment(long input) {
        if (alignment == null) {
            return;
        }
        if (input == InputWatermark.NONE || input == inputTold || input > inputTold && input != InputWatermark.IDLE
                && inputTold != InputWatermark.NONE && inputTold != InputWatermark.IDLE
                && input < inputTold + PROGRESS_STEP_MS) {
            return;
        }
        alignment.routed(context.taskId().partition(), input);
        inputTold = input;
    }

    /** To every partition of events-by-cluster (the partitioner broadcasts clock ticks). */
    private void sendProgress(long watermarkTime, long timestamp) {
        final Record<String, CorrelationEvent> progress = new Record<>(BROADCAST_KEY,
                new CorrelationEvent(new ClockTick(Instant.ofEpochMilli(watermarkTime))), timestamp);
        progress.headers().add(HEADER_PROGRESS_FROM,
                ByteBuffer.allocate(4).putInt(context.taskId().partition()).array());
        progress.headers().add(HEADER_PROGRESS_KINDS, new byte[] {(byte) heard});
        context.forward(progress);
        progressSent = watermarkTime;
        heardSent = heard;
    }

    /**
     * Header of a progress record: the kinds of event ({@link EventAligner#kindBit}) the routing task
     * has read or released since it started, so the correlation knows whose watermark covers a kind
     * that has just started.
     */
    public static final String HEADER_PROGRESS_KINDS = "x-incident-correlator-progress-kinds";

    /** The kinds a progress record says its routing task reads; every kind when it does not say. */
    public static int progressKinds(Record<?, ?> record) {
        final Header h = record.headers().lastHeader(HEADER_PROGRESS_KINDS);
        return h == null ? EventAligner.ALL_KINDS : h.value()[0];
    }

    /** The routing task of a progress record, or -1 for any other record. */
    public static int progressFrom(Record<?, ?> record) {
        final Header h = record.headers().lastHeader(HEADER_PROGRESS_FROM);
        return h == null ? -1 : ByteBuffer.wrap(h.value()).getInt();
    }

    /** Whether a routed record is an event given up for an inventory gap, on its way to the dead-letter topic. */
    public static boolean isInventoryGap(String key) {
        return key != null && key.startsWith(InventoryGap.KEY_PREFIX);
    }

    /** Routes an event the inventory places; holds one it does not place yet. */
    private void route(Record<String, CorrelationEvent> record, RecordMetadata source, long wallClock) {
        final InventoryGap gap = gapOf(record.value().getPayload());
        if (gap == null) {
            forwardPlaced(record);
            return;
        }
        final InventoryHold.Held held = new InventoryHold.Held(record.timestamp(), record.key(), record.value(),
                source == null ? null : source.topic(), source == null ? -1 : source.partition(),
                source == null ? -1 : source.offset());
        if (hold.givenUp(gap.key())) {
            // Dead-lettered and warned about once; from then on counted only: a Proxmox host that
            // runs no Kubernetes node sends samples for as long as it runs.
            metrics.inventoryHold("not-held", held.topic());
            metrics.notInInventory(gap.reason(), held.topic());
            if (record.value().getPayload() instanceof PodRestart) {
                forwardPlaced(record);
            }
            return;
        }
        metrics.inventoryHold("held", held.topic());
        final InventoryHold.Held overflow = hold.hold(held, wallClock);
        if (overflow != null) {
            // The oldest event's gap is given up, so the events held for it wait in vain too: they
            // go with it. A host that runs no Kubernetes node otherwise kept the hold full (and a
            // restart restoring all of it) until each of its samples had waited the horizon.
            final InventoryGap overflowGap = gapOf(overflow.event().getPayload());
            final List<InventoryHold.Held> given = new ArrayList<>(List.of(overflow));
            if (overflowGap != null) {
                given.addAll(hold.release(h -> overflowGap.equals(gapOf(h.event().getPayload()))));
            }
            giveUp(given, "the hold of " + holdCapacity + " events is full", "overflow");
        }
    }

    /**
     * If the inventory changed since the last look and has settled since, routes the held events it now
     * places, oldest first, and forgets the gaps it closed.
     */
    private void releasePlaced() {
        refreshIndex();
        if (!releaseDue || context.currentSystemTimeMs() - indexedChangeAt < INVENTORY_SETTLE_MS) {
            return;
        }
        releaseDue = false;
        hold.forgetClosed(key -> {
            final InventoryGap gap = InventoryGap.fromKey(key);
            return gap != null && known(gap);
        });
        for (InventoryHold.Held held : hold.release(h -> gapOf(h.event().getPayload()) == null)) {
            metrics.inventoryHold("released", held.topic());
            forwardPlaced(new Record<>(held.key(), held.event(), held.timestamp()));
        }
    }

    private void giveUpExpired(long wallClock) {
        giveUp(hold.expired(wallClock, watermark.clockFloor()), "held for the catch-up horizon " + holdHorizon,
                "expired");
    }

    /**
     * Gives up on {@code given} (in event-time order): each event is counted, a restart is still
     * correlated (without host evidence: it is the primary signal), a sample or backup is not
     * routed (it could explain nothing). For each gap and source topic, ONE record goes to the
     * dead-letter topic, keyed by the gap, with how many events it stands for
     * ({@link DeadLetterProcessor#HEADER_COUNT}), the newest of them as its value and the reason in its
     * headers; {@code incidents tail} and the web view read their inventory warning from it. A host
     * that runs no Kubernetes node sends samples as long as it runs: one dead letter per give-up,
     * not one per sample.
     */
    private void giveUp(List<InventoryHold.Held> given, String why, String outcome) {
        final Map<String, GivenUp> byGapAndTopic = new LinkedHashMap<>();
        for (InventoryHold.Held held : given) {
            final InventoryGap gap = gapOf(held.event().getPayload());
            if (gap == null) { // placed since the last look at the inventory
                forwardPlaced(new Record<>(held.key(), held.event(), held.timestamp()));
                continue;
            }
            hold.giveUp(gap.key());
            metrics.inventoryHold(outcome, held.topic());
            metrics.notInInventory(gap.reason(), held.topic());
            if (held.event().getPayload() instanceof PodRestart) {
                forwardPlaced(new Record<>(held.key(), held.event(), held.timestamp()));
            }
            byGapAndTopic.computeIfAbsent(gap.key() + "\n" + held.topic(), k -> new GivenUp(gap)).add(held);
        }
        byGapAndTopic.values().forEach(g -> context.forward(g.deadLetter(why)));
    }

    /** Events of one gap and one source topic given up together: one dead letter. */
    private static final class GivenUp {
        private final InventoryGap gap;
        private long count;
        private long first = Long.MAX_VALUE;
        private InventoryHold.Held newest;

        GivenUp(InventoryGap gap) {
            this.gap = gap;
        }

        void add(InventoryHold.Held held) {
            count++;
            first = Math.min(first, held.timestamp());
            if (newest == null || held.timestamp() >= newest.timestamp()) {
                newest = held;
            }
        }

        Record<String, CorrelationEvent> deadLetter(String why) {
            final boolean restart = newest.event().getPayload() instanceof PodRestart;
            final String what = count == 1 ? (restart ? "restart" : "event")
                    : count + (restart ? " restarts" : " events") + " stamped " + Instant.ofEpochMilli(first)
                    + " to " + Instant.ofEpochMilli(newest.timestamp()) + (newest.topic() == null ? ""
                    : " from " + newest.topic());
            final Record<String, CorrelationEvent> dead = new Record<>(gap.key(), newest.event(), newest.timestamp());
            dead.headers().add(DeadLetterProcessor.HEADER_REASON, ("inventory: " + gap.describe()
                    + " is not in the inventory; " + (restart ? what + " correlated without host evidence"
                    : what + " not correlated") + " (" + why + ")").getBytes(StandardCharsets.UTF_8));
            dead.headers().add(DeadLetterProcessor.HEADER_COUNT,
                    Long.toString(count).getBytes(StandardCharsets.UTF_8));
            if (newest.topic() != null) {
                dead.headers().add(DeadLetterProcessor.HEADER_TOPIC, newest.topic().getBytes(StandardCharsets.UTF_8));
                dead.headers().add(DeadLetterProcessor.HEADER_PARTITION,
                        Integer.toString(newest.partition()).getBytes(StandardCharsets.UTF_8));
                dead.headers().add(DeadLetterProcessor.HEADER_OFFSET,
                        Long.toString(newest.offset()).getBytes(StandardCharsets.UTF_8));
            }
            return dead;
        }
    }

    /** What the inventory lacks to route this event, or null when it routes it (or knows it explains nothing). */
    private InventoryGap gapOf(Object payload) {
        refreshIndex();
        if (payload instanceof PodRestart r) {
            if (!clusters.contains(r.getCluster())) {
                return new InventoryGap(InventoryGap.UNKNOWN_CLUSTER, r.getCluster());
            }
            if (r.getNode() != null && !nodes.contains(r.getCluster() + "/" + r.getNode())) {
                return new InventoryGap(InventoryGap.UNKNOWN_NODE, r.getCluster() + "/" + r.getNode());
            }
        } else if (payload instanceof MemorySample m) {
            // A guest of a known host that is no node is no gap: no restart reads its samples.
            if (!clustersByHost.containsKey(m.getHost())) {
                return new InventoryGap(InventoryGap.UNKNOWN_HOST, m.getHost());
            }
        } else if (payload instanceof BackupEvent b) {
            final Set<String> hosts = hostsOf(withTargetHost(b));
            if (clustersOn(hosts).isEmpty()) {
                return new InventoryGap(InventoryGap.UNKNOWN_HOST, String.join(",", hosts));
            }
        }
        return null;
    }

    private boolean known(InventoryGap gap) {
        return switch (gap.reason()) {
            case InventoryGap.UNKNOWN_CLUSTER -> clusters.contains(gap.subject());
            case InventoryGap.UNKNOWN_NODE -> nodes.contains(gap.subject());
            default -> Arrays.stream(gap.subject().split(",")).anyMatch(clustersByHost::containsKey);
        };
    }

    /** Sends a placed event to its cluster(s). */
    private void forwardPlaced(Record<String, CorrelationEvent> record) {
        final Object payload = record.value().getPayload();
        heard |= EventAligner.kindBit(payload);
        if (payload instanceof PodRestart r) {
            context.forward(record.withKey(r.getCluster()));
            commitWhenLive.after(record.timestamp());
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
            forwardToClusters(record.withValue(new CorrelationEvent(resolved)), hostsOf(resolved));
        }
    }

    private static Set<String> hostsOf(BackupEvent b) {
        final Set<String> hosts = new TreeSet<>();
        hosts.add(b.getHost());
        if (b.getTargetHost() != null) {
            hosts.add(b.getTargetHost());
        }
        return hosts;
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
        for (String cluster : clustersOn(hosts)) {
            context.forward(record.withKey(cluster));
        }
    }

    private void forwardToGuestCluster(Record<String, CorrelationEvent> record, MemorySample m) {
        // Not a Kubernetes node when there is none: no restart's classification reads this guest's samples.
        final String cluster = clusterByGuest.get(guestKey(m.getHost(), m.getVmid()));
        if (cluster != null) {
            context.forward(record.withKey(cluster));
        }
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
        final long changedAt = inventoryChangedAt.get();
        if (changedAt == indexedChangeAt) {
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
        indexedChangeAt = changedAt;
        releaseDue = true;
    }

    private static String guestKey(String host, int vmid) {
        return host + "/" + vmid;
    }

    @Override
    public void close() {
        // The task moves elsewhere or the app stops: it no longer counts among this instance's tasks.
        if (alignment != null) {
            alignment.routerClosed(context.taskId().partition());
        }
    }
}
