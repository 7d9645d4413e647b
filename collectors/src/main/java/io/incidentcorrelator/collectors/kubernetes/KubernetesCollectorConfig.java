package io.incidentcorrelator.collectors.kubernetes;

import io.incidentcorrelator.topics.TopicNames;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the Kubernetes pod-restart collector watches and how.
 *
 * @param cluster      cluster name put into every event and its key; must not contain {@code /}
 * @param context      kubeconfig context to use, or {@code null} for the current context (or the
 *                     in-cluster service account when there is no kubeconfig)
 * @param namespaces   namespaces to watch; empty means all namespaces
 * @param includeLogs  whether to fetch the tail of the previous container's log when the
 *                     termination carries no message (needs {@code get pods/log})
 * @param logTailLines how many log lines to ask for; the message is cut to 4 KiB anyway
 * @param ledgerPath   JSON file that remembers what was emitted across collector restarts, or
 *                     {@code null} to remember only in memory (then every start baselines again)
 * @param resyncPeriod how often the informer re-delivers its cache; {@link Duration#ZERO} turns it off
 * @param topic        topic to send {@code PodRestart} records to
 */
public record KubernetesCollectorConfig(String cluster, String context, List<String> namespaces, boolean includeLogs,
                                        int logTailLines, Path ledgerPath, Duration resyncPeriod, String topic) {

    public KubernetesCollectorConfig {
        Objects.requireNonNull(cluster, "cluster");
        if (cluster.isBlank() || cluster.contains("/")) {
            // The cluster is the first segment of the key cluster/namespace/pod/container.
            throw new IllegalArgumentException("cluster must be non-blank and must not contain '/': " + cluster);
        }
        if (context != null && context.isBlank()) {
            context = null;
        }
        namespaces = List.copyOf(namespaces).stream().distinct().toList();
        for (String ns : namespaces) {
            if (ns.isBlank() || ns.contains("/")) {
                throw new IllegalArgumentException("not a namespace name: '" + ns + "'");
            }
        }
        if (logTailLines < 1) {
            throw new IllegalArgumentException("logTailLines must be at least 1");
        }
        Objects.requireNonNull(resyncPeriod, "resyncPeriod");
        if (resyncPeriod.isNegative()) {
            throw new IllegalArgumentException("resyncPeriod must not be negative");
        }
        Objects.requireNonNull(topic, "topic");
    }

    /**
     * Current kubeconfig context (or in-cluster), all namespaces, logs on with 40 lines, no ledger
     * file, resync every 10 minutes, the contract's topic.
     */
    public static KubernetesCollectorConfig of(String cluster) {
        return new KubernetesCollectorConfig(cluster, null, List.of(), true, 40, null, Duration.ofMinutes(10),
                TopicNames.defaults().podRestarts());
    }

    public boolean allNamespaces() {
        return namespaces.isEmpty();
    }

    public KubernetesCollectorConfig withContext(String newContext) {
        return new KubernetesCollectorConfig(cluster, newContext, namespaces, includeLogs, logTailLines, ledgerPath,
                resyncPeriod, topic);
    }

    public KubernetesCollectorConfig withNamespaces(List<String> newNamespaces) {
        return new KubernetesCollectorConfig(cluster, context, newNamespaces, includeLogs, logTailLines, ledgerPath,
                resyncPeriod, topic);
    }

    public KubernetesCollectorConfig withLogs(boolean newIncludeLogs, int newLogTailLines) {
        return new KubernetesCollectorConfig(cluster, context, namespaces, newIncludeLogs, newLogTailLines, ledgerPath,
                resyncPeriod, topic);
    }

    public KubernetesCollectorConfig withLedgerPath(Path newLedgerPath) {
        return new KubernetesCollectorConfig(cluster, context, namespaces, includeLogs, logTailLines, newLedgerPath,
                resyncPeriod, topic);
    }

    public KubernetesCollectorConfig withResyncPeriod(Duration newResyncPeriod) {
        return new KubernetesCollectorConfig(cluster, context, namespaces, includeLogs, logTailLines, ledgerPath,
                newResyncPeriod, topic);
    }

    public KubernetesCollectorConfig withTopic(String newTopic) {
        return new KubernetesCollectorConfig(cluster, context, namespaces, includeLogs, logTailLines, ledgerPath,
                resyncPeriod, newTopic);
    }
}
