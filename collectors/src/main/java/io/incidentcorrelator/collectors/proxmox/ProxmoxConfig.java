package io.incidentcorrelator.collectors.proxmox;

import io.incidentcorrelator.collectors.TlsOptions;
import io.incidentcorrelator.topics.TopicNames;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;

/**
 * How to reach a Proxmox VE cluster and what to poll.
 *
 * @param apiUrl          any cluster member's API, e.g. {@code https://pve1.example:8006} ({@code /api2/json} is added)
 * @param token           API token (needs Sys.Audit on {@code /nodes}, VM.Audit on {@code /vms})
 * @param tls             certificate verification; on by default
 * @param nodes           nodes to poll; empty means every node {@code GET /nodes} lists as online
 * @param interval        time between polls
 * @param requestTimeout  bound on each request (also the connect timeout)
 * @param maxBackoff      longest wait between attempts while a node is failing
 * @param backupLookback  how far back the first backup poll looks for vzdump tasks
 * @param readTaskLogs    whether to read vzdump task logs for per-guest phases and the storage id
 * @param hostZone        time zone of the hosts' vzdump log timestamps; null to infer it from the task start
 * @param backupTopic     topic for {@code BackupEvent}s
 * @param memoryTopic     topic for {@code MemorySample}s
 */
public record ProxmoxConfig(URI apiUrl, ApiToken token, TlsOptions tls, List<String> nodes, Duration interval,
                            Duration requestTimeout, Duration maxBackoff, Duration backupLookback,
                            boolean readTaskLogs, ZoneId hostZone, String backupTopic, String memoryTopic) {

    public ProxmoxConfig {
        Objects.requireNonNull(apiUrl, "apiUrl");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(tls, "tls");
        nodes = List.copyOf(nodes);
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(backupLookback, "backupLookback");
        Objects.requireNonNull(backupTopic, "backupTopic");
        Objects.requireNonNull(memoryTopic, "memoryTopic");
        if (!"https".equals(apiUrl.getScheme()) && !"http".equals(apiUrl.getScheme())) {
            throw new IllegalArgumentException("Proxmox API URL must be https (or http behind a proxy): " + apiUrl);
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive");
        }
        if (maxBackoff.compareTo(interval) < 0) {
            maxBackoff = interval;
        }
    }

    /**
     * Defaults: verify TLS with the system trust store, all nodes, 30 s interval, 10 s timeout,
     * backoff up to 5 min, one hour of backup history, task logs on, zone inferred, contract topics.
     */
    public static ProxmoxConfig of(URI apiUrl, ApiToken token) {
        final TopicNames topics = TopicNames.defaults();
        return new ProxmoxConfig(apiUrl, token, TlsOptions.verifyWithSystemTrust(), List.of(), Duration.ofSeconds(30),
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofHours(1), true, null,
                topics.backupEvents(), topics.proxmoxMemory());
    }

    public ProxmoxConfig withTls(TlsOptions newTls) {
        return new ProxmoxConfig(apiUrl, token, newTls, nodes, interval, requestTimeout, maxBackoff, backupLookback,
                readTaskLogs, hostZone, backupTopic, memoryTopic);
    }

    public ProxmoxConfig withNodes(List<String> newNodes) {
        return new ProxmoxConfig(apiUrl, token, tls, newNodes, interval, requestTimeout, maxBackoff, backupLookback,
                readTaskLogs, hostZone, backupTopic, memoryTopic);
    }

    public ProxmoxConfig withTimings(Duration newInterval, Duration newRequestTimeout, Duration newMaxBackoff) {
        return new ProxmoxConfig(apiUrl, token, tls, nodes, newInterval, newRequestTimeout, newMaxBackoff,
                backupLookback, readTaskLogs, hostZone, backupTopic, memoryTopic);
    }

    public ProxmoxConfig withBackupLookback(Duration newLookback) {
        return new ProxmoxConfig(apiUrl, token, tls, nodes, interval, requestTimeout, maxBackoff, newLookback,
                readTaskLogs, hostZone, backupTopic, memoryTopic);
    }

    public ProxmoxConfig withTaskLogs(boolean read, ZoneId zone) {
        return new ProxmoxConfig(apiUrl, token, tls, nodes, interval, requestTimeout, maxBackoff, backupLookback,
                read, zone, backupTopic, memoryTopic);
    }

    public ProxmoxConfig withTopics(String newBackupTopic, String newMemoryTopic) {
        return new ProxmoxConfig(apiUrl, token, tls, nodes, interval, requestTimeout, maxBackoff, backupLookback,
                readTaskLogs, hostZone, newBackupTopic, newMemoryTopic);
    }
}
