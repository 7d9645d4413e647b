package io.incidentcorrelator.topology;

/** Every state store of the topology; their changelog topics are named after them. */
public final class StoreNames {

    /** GlobalKTable of the inventory: cluster/node → NodePlacement. */
    public static final String INVENTORY = "inventory-store";
    /** GlobalKTable of storage locations: storage id → StorageLocation. */
    public static final String STORAGE_LOCATIONS = "storage-locations-store";
    /** Backup phases, windowed, keyed by the host they touch (source and target). */
    public static final String BACKUP_EVENTS = "backup-events-by-host";
    /**
     * Host and guest resource samples, keyed by host or host/vmid, one value per minute (a bucket
     * of samples). Replaced {@code host-samples}, one value per sample.
     */
    public static final String HOST_SAMPLES = "host-samples-by-minute";
    /**
     * etcd latency samples, keyed by cluster, one value per minute (a bucket of samples). Replaced
     * {@code etcd-samples}, one value per sample.
     */
    public static final String ETCD_SAMPLES = "etcd-samples-by-minute";
    /** Restarts with their classification, keyed cluster|time|pod. */
    public static final String RESTARTS = "classified-restarts";
    /** The last revision emitted per incident, keyed cluster|id. */
    public static final String INCIDENTS = "incident-revisions";
    /**
     * Queryable view of the incidents topic for the web API: id → newest revision, a tombstone
     * deletes. Unlike {@link #INCIDENTS} it is not purged once an incident resolved. Partitioned
     * by the cluster in the id ({@code IncidentIds.parse}), like the classifier's stores.
     */
    public static final String INCIDENTS_VIEW = "incidents-view";
    /**
     * Queryable, windowed: cluster → per-minute {@link TimelinePoint}s for the web view's chart
     * (backups, etcd fsync p99, host memory, balloon, restarts).
     */
    public static final String TIMELINE = "timeline-by-cluster";
    /** Events held until every routing task's watermark has passed them, in release order. */
    public static final String ALIGN_BUFFER = "events-awaiting-watermark";
    /** The watermark each routing task reported last, and the newest event time released. */
    public static final String ROUTING_PROGRESS = "routing-progress";
    /**
     * The correlation's own event time (the newest instant the late gate let through) and the newest
     * restart classified: read back on init, so that a restored or moved task decides late, pending
     * and resolved exactly where an uninterrupted one would ({@link internal.CorrelationClock}).
     */
    public static final String CORRELATION_CLOCK = "correlation-clock";

    /**
     * Events no inventory record places yet, by event time, in the routing task, until one does
     * (bounded: {@code EventRouter}, {@code InventoryHold}); and the inventory gaps given up on.
     */
    public static final String EVENTS_AWAITING_INVENTORY = "events-awaiting-inventory";

    private StoreNames() {
    }
}
