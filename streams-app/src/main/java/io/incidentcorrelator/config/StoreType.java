package io.incidentcorrelator.config;

/** Where the topology keeps its state; both are backed by changelog topics. */
public enum StoreType {
    /** Fast; state is bounded by retention (window + grace + grouping gap), restored from changelogs on start. */
    IN_MEMORY,
    /** RocksDB on local disk: state survives restarts without a full changelog restore. */
    ROCKSDB
}
