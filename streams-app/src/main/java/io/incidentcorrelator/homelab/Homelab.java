package io.incidentcorrelator.homelab;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a {@code homelab.yaml} says, checked: the box (data dir, listen addresses), the sources the
 * collectors read and the sinks. Read by {@link HomelabFile}; every path is absolute (relative ones
 * are taken from the file's directory) and every file it names existed and was readable when read.
 * Secrets are never values here, only the files that hold them.
 */
public record Homelab(Path source, Box box, Path settingsFile, Optional<Proxmox> proxmox,
                      List<KubernetesCluster> kubernetes, List<EtcdCluster> etcd, Optional<InventorySource> inventory,
                      Optional<Alertmanager> alertmanager, Optional<Webhook> webhook) {

    /** {@code box:}: each null when not given (the command line's value or default then holds). */
    public record Box(Path dataDir, String brokerListen, String registryListen, String webListen,
                      String healthListen) {
    }

    /** {@code proxmox:}: the API and which of its collectors run. */
    public record Proxmox(URI url, String tokenId, Path tokenFile, Path caFile, boolean insecure, List<String> nodes,
                          Duration timeout, Optional<BackupTasks> backupTasks, Optional<Memory> memory,
                          Optional<Hook> hook) {
    }

    /** {@code proxmox.backup-tasks:} as {@code collect proxmox-backup}. */
    public record BackupTasks(Duration interval, Duration lookback, Path sentPhasesFile) {
    }

    /** {@code proxmox.memory:} as {@code collect proxmox-memory}. */
    public record Memory(Duration interval) {
    }

    /** {@code proxmox.hook:} the vzdump hook's endpoint, as {@code collect proxmox-hook}. */
    public record Hook(String listen, Path tokenFile, Path tlsCert, Path tlsKey) {
    }

    /** One entry of {@code kubernetes.clusters:}, as {@code collect kubernetes}. */
    public record KubernetesCluster(String cluster, Path kubeconfig, String context, List<String> namespaces,
                                    Path ledger, boolean logs, Duration resync) {
    }

    /** One entry of {@code etcd.clusters:}, as {@code collect etcd}. */
    public record EtcdCluster(String cluster, List<String> endpoints, Path caFile, boolean insecure,
                              Duration interval) {
    }

    /**
     * {@code inventory:}: a file, or the same YAML inline ({@code yaml} is then its text and
     * {@code file} null), sent every {@code interval}.
     */
    public record InventorySource(Path file, String yaml, Duration interval) {
    }

    /** {@code sinks.alertmanager:}, as {@code sink alertmanager}. */
    public record Alertmanager(String url, List<String> alertNames, String clusterLabel, Duration margin,
                               Path caFile, Path bearerTokenFile, String basicAuthUser, Path basicAuthPasswordFile) {
    }

    /** {@code sinks.webhook:}, as {@code sink webhook}. */
    public record Webhook(Path urlFile, Path signatureSecretFile, boolean unsigned, Path caFile) {
    }

    /** True when the file names no collector and no sink (only the box). */
    public boolean runsNothing() {
        return proxmox.isEmpty() && kubernetes.isEmpty() && etcd.isEmpty() && inventory.isEmpty()
                && alertmanager.isEmpty() && webhook.isEmpty();
    }
}
