package io.incidentcorrelator.config;

/**
 * The collectors' built-in defaults, one definition each: what the collect commands' options
 * default to (and {@code --help} shows) when neither the environment nor the {@code --config} file
 * sets them, and what a homelab file's collectors get when it says nothing. Strings, because
 * picocli's annotations take them; durations in {@link ConfigLoader#parseDuration}'s syntax.
 */
public final class CollectorBuiltIns {

    private CollectorBuiltIns() {
    }

    public static final String ETCD_INTERVAL = "15s";
    public static final String INVENTORY_INTERVAL = "5m";
    public static final String KUBERNETES_LOG_LINES = "40";
    public static final String KUBERNETES_RESYNC = "10m";
    public static final String PROXMOX_INTERVAL = "30s";
    public static final String PROXMOX_TIMEOUT = "10s";
    public static final String BACKUP_LOOKBACK = "1h";
    public static final String FLUSH_TIMEOUT = "30s";
    public static final String FAILURE_BUDGET = "5m";
    public static final String HEALTH_BIND = "127.0.0.1";
}
