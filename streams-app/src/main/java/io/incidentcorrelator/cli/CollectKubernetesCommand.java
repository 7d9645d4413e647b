package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.kubernetes.KubernetesCollectorConfig;
import io.incidentcorrelator.collectors.kubernetes.PodRestartCollector;
import io.incidentcorrelator.config.CollectorBuiltIns;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.topics.TopicNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** {@code correlator collect kubernetes}: one PodRestart per container restart. */
@Command(name = "kubernetes",
        mixinStandardHelpOptions = true,
        description = {
                "Watches Kubernetes pods and sends one PodRestart per container restart.",
                "%nAll namespaces or --namespace; key CLUSTER/NAMESPACE/POD/CONTAINER, with the termination reason, "
                        + "exit code and time, the node, and up to 4 KiB of the previous container's log. Connects "
                        + "with the kubeconfig (--context) or the in-cluster service account "
                        + "(deploy/kubernetes/rbac.yaml). A container that cannot pull its image (ErrImagePull / "
                        + "ImagePullBackOff) gets one PodRestart per episode with that waitingReason, also before its "
                        + "first restart. --ledger remembers what was sent across restarts; --once "
                        + "lists the pods once (a first run without a ledger only takes a baseline) and exits 1 when "
                        + "the API failed. A stopped pod informer is replaced, never left idle."})
final class CollectKubernetesCommand extends CollectorCommand {

    @Option(names = "--cluster", paramLabel = "NAME",
            description = "Cluster name in every event and key (env INCIDENT_CORRELATOR_COLLECT_CLUSTER).")
    String clusterName;

    @Option(names = "--context", paramLabel = "NAME",
            description = "kubeconfig context (default: the current one, else the in-cluster service account; env "
                    + "INCIDENT_CORRELATOR_COLLECT_CONTEXT).")
    String context;

    @Option(names = "--namespace", paramLabel = "NS",
            description = "Namespace to watch; repeat for several (default all; env "
                    + "INCIDENT_CORRELATOR_COLLECT_NAMESPACE, comma-separated).")
    List<String> namespaces;

    @Option(names = "--ledger", paramLabel = "FILE",
            description = "JSON file remembering the restarts already sent, so a restarted collector neither repeats "
                    + "nor misses one (default: memory only; env INCIDENT_CORRELATOR_COLLECT_LEDGER).")
    Path ledger;

    @Option(names = "--no-logs",
            description = "Do not fetch the previous container's log (then pods/log is not needed; env "
                    + "INCIDENT_CORRELATOR_COLLECT_NO_LOGS=true).")
    boolean noLogs;

    @Option(names = "--log-lines", paramLabel = "N",
            defaultValue = CollectorBuiltIns.KUBERNETES_LOG_LINES,
            description = "Log lines to fetch (the message is cut to 4 KiB anyway; env "
                    + "INCIDENT_CORRELATOR_COLLECT_LOG_LINES).")
    String logLines;

    @Option(names = "--resync", paramLabel = "DURATION",
            defaultValue = CollectorBuiltIns.KUBERNETES_RESYNC,
            description = "How often the informer re-delivers its cache (env "
                    + "INCIDENT_CORRELATOR_COLLECT_RESYNC).")
    String resync;

    @Override
    String defaultTopic(TopicNames names) {
        return names.podRestarts();
    }

    @Override
    int collect(EventWriter sink, String topic) throws Exception {
        final KubernetesCollectorConfig kube;
        try {
            kube = KubernetesCollectorConfig.of(settings.required(clusterName, "cluster"))
                    .withContext(settings.get(context, "context"))
                    .withNamespaces(settings.list(namespaces, "namespace"))
                    .withLogs(!settings.flag(noLogs, "no-logs"), settings.integer(logLines, "log-lines"))
                    .withLedgerPath(settings.path(ledger, "ledger"))
                    .withResyncPeriod(settings.duration(resync, "resync"))
                    .withTopic(topic);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        try (PodRestartCollector collector = new PodRestartCollector(kube, sink)) {
            watch(collector::sources);
            if (once) {
                collector.snapshot();
                return onceExitCode();
            }
            collector.start();
            awaitStop();
        }
        return 0;
    }
}
