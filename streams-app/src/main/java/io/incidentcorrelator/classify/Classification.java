package io.incidentcorrelator.classify;

import io.incidentcorrelator.avro.Evidence;
import io.incidentcorrelator.avro.IncidentCategory;

import java.util.List;
import java.util.Set;

/**
 * The verdict on one restart: the first signature that holds in the contract's precedence
 * names the category, the others that hold are contributing factors.
 *
 * @param notes short facts the incident summary and actions are written from
 *              (see {@link Note}); plain strings so they survive in state stores.
 */
public record Classification(
        IncidentCategory category,
        boolean transientIssue,
        double confidence,
        List<IncidentCategory> contributingFactors,
        List<Evidence> evidence,
        Set<String> notes) {

    /** Tags carried from a restart's classification to its incident's summary and actions. */
    public static final class Note {
        public static final String LEADER_ELECTION = "leader-election-lost";
        public static final String BALLOON = "balloon-reclaimed";
        public static final String HOST_MEMORY_FULL = "host-memory-full";
        public static final String MEMORY_PSI = "memory-psi-high";
        public static final String CPU = "host-cpu-saturated";
        public static final String IOWAIT = "host-iowait-saturated";
        public static final String ETCD_SLOW = "etcd-slow";
        public static final String ETCD_FRAGMENTED = "etcd-fragmented";
        public static final String API_REMOTE = "api-timeout-cluster-address";
        public static final String API_LOCAL = "api-timeout-local-endpoint";
        public static final String APP_FAILURE_LOG = "app-failure-in-log";
        public static final String BACKUP_RUNNING = "backup-running";
        public static final String BACKUP_COOLDOWN = "backup-cool-down";
        public static final String CONTROL_PLANE = "control-plane";
        public static final String UNPLACED = "node-not-in-inventory";
        /** "host:pihanga": a Proxmox node involved (the node's host, a backup's source or target). */
        public static final String HOST_PREFIX = "host:";
        /** "endpoint:10.96.0.1:443": a non-local API endpoint the log timed out against. */
        public static final String ENDPOINT_PREFIX = "endpoint:";

        private Note() {
        }
    }

    public static boolean transientCategory(IncidentCategory category) {
        return switch (category) {
            case BACKUP_IO_CONTENTION, HOST_MEMORY_PRESSURE, HOST_CPU_CONTENTION -> true;
            default -> false;
        };
    }
}
