package io.incidentcorrelator.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.inventory.Inventory;
import io.incidentcorrelator.collectors.inventory.InventoryDiscovery;
import io.incidentcorrelator.collectors.internal.Causes;
import io.incidentcorrelator.collectors.internal.SourceHealth;
import io.incidentcorrelator.collectors.inventory.InventoryPublisher;
import io.incidentcorrelator.collectors.kubernetes.KubernetesClients;
import io.incidentcorrelator.collectors.proxmox.ProxmoxApiException;
import io.incidentcorrelator.collectors.proxmox.ProxmoxClient;
import io.incidentcorrelator.config.CollectorBuiltIns;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code correlator collect inventory}: node → Proxmox host placements and storage → host. */
@Command(name = "inventory",
        mixinStandardHelpOptions = true,
        description = {
                "Sends the inventory: which Proxmox host runs each Kubernetes node, and holds each backup storage.",
                "%nOne NodePlacement per node (key CLUSTER/NODE) and one StorageLocation per storage (key STORAGE), "
                        + "from the YAML file and, with --discover, by matching Kubernetes node names to Proxmox guest "
                        + "names (the file wins where both say). Without --once it is sent again every --interval; --once "
                        + "exits 1 when discovery could not reach Proxmox or Kubernetes."})
final class CollectInventoryCommand extends CollectorCommand {

    private static final Logger LOG = LoggerFactory.getLogger(CollectInventoryCommand.class);

    @Option(names = {"--file", "--inventory"}, paramLabel = "FILE",
            description = "Inventory YAML (format in collectors/README.md; env INCIDENT_CORRELATOR_COLLECT_INVENTORY).")
    Path file;

    @Option(names = "--storage-topic", paramLabel = "NAME",
            description = "Topic for storage locations instead of the configured one (--topic is the placements').")
    String storageTopic;

    @Option(names = "--interval", paramLabel = "DURATION",
            defaultValue = CollectorBuiltIns.INVENTORY_INTERVAL,
            description = "Time between sends without --once (env INCIDENT_CORRELATOR_COLLECT_INTERVAL).")
    String interval;

    @Option(names = "--discover",
            description = "Also place nodes by guest name: Kubernetes node names (--kube-node, else the API via "
                    + "--context) matched to the guests of the Proxmox cluster (--proxmox-url ...) "
                    + "(env INCIDENT_CORRELATOR_COLLECT_DISCOVER=true).")
    boolean discover;

    @Option(names = "--cluster", paramLabel = "NAME",
            description = "With --discover: the cluster the discovered nodes belong to (env "
                    + "INCIDENT_CORRELATOR_COLLECT_CLUSTER).")
    String clusterName;

    @Option(names = "--kube-node", paramLabel = "NAME",
            description = "With --discover: a Kubernetes node name; repeat for several (env "
                    + "INCIDENT_CORRELATOR_COLLECT_KUBE_NODE, comma-separated). Default: list them from the API.")
    List<String> kubeNodes;

    @Option(names = "--context", paramLabel = "NAME",
            description = "With --discover and no --kube-node: kubeconfig context to list nodes from (env "
                    + "INCIDENT_CORRELATOR_COLLECT_CONTEXT).")
    String context;

    @Mixin
    ProxmoxOptions proxmox;

    /** With --topic / --storage-topic applied, for the publisher. */
    private TopicNames topics;
    private SourceHealth guestsHealth;
    private SourceHealth nodesHealth;

    @Override
    String defaultTopic(TopicNames names) {
        return names.inventory();
    }

    @Override
    Map<String, String> otherTopics(TopicNames names) {
        return Map.of(names.storageLocations(), storageTopic != null ? storageTopic : names.storageLocations());
    }

    @Override
    int collect(EventWriter sink, String topic) throws Exception {
        final TopicNames names = topicNames;
        topics = names.with(Topic.INVENTORY, topic)
                .with(Topic.STORAGE_LOCATIONS, otherTopics(names).get(names.storageLocations()));
        final Path yaml = settings.path(file, "inventory");
        final boolean discovering = settings.flag(discover, "discover");
        if (yaml == null && !discovering) {
            throw new ConfigException("--file is required (or --discover; env INCIDENT_CORRELATOR_COLLECT_INVENTORY)");
        }
        final Duration every = settings.duration(interval, "interval");
        guestsHealth = new SourceHealth("inventory discovery: Proxmox guests", every, every, LOG);
        nodesHealth = new SourceHealth("inventory discovery: Kubernetes nodes", every, every, LOG);
        watch(() -> discovering ? List.of(guestsHealth, nodesHealth) : List.of());
        return pollLoop(() -> publish(sink, yaml, discovering), () -> every, () -> publish(sink, yaml, discovering),
                true);
    }

    private int publish(EventWriter sink, Path yaml, boolean discovering) throws InterruptedException {
        Inventory inventory = yaml == null ? Inventory.empty() : InventoryOptions.load(yaml);
        if (discovering) {
            inventory = inventory.withDiscovered(discover(), note -> LOG.warn("inventory: {}", note));
        }
        return new InventoryPublisher(inventory, topics).publish(sink);
    }

    private List<NodePlacement> discover() throws InterruptedException {
        final String cluster = settings.required(clusterName, "cluster");
        final List<String> nodes = kubeNodes(settings.list(kubeNodes, "kube-node"));
        final List<InventoryDiscovery.Guest> guests;
        try {
            guests = InventoryDiscovery.fetchGuests(new ProxmoxClient(proxmox.config(settings, Duration.ofMinutes(5))));
            guestsHealth.success(Instant.now());
        } catch (ProxmoxApiException e) {
            guestsHealth.failure(Instant.now(), "discovery skipped, Proxmox guests could not be listed: "
                    + e.getMessage());
            return List.of();
        }
        final InventoryDiscovery.Result result = InventoryDiscovery.match(cluster, nodes, guests);
        result.ambiguities().forEach(a -> LOG.warn("inventory: {}", a));
        if (!result.unmatched().isEmpty()) {
            LOG.info("inventory: no guest found for node(s) {}", String.join(", ", result.unmatched()));
        }
        return result.placements();
    }

    private List<String> kubeNodes(List<String> given) {
        if (!given.isEmpty()) {
            return given;
        }
        final String ctx = settings.get(context, "context");
        try (KubernetesClient kube = KubernetesClients.forContext(ctx)) {
            final List<String> names = kube.nodes().list().getItems().stream().map(HasMetadata::getMetadata)
                    .map(meta -> meta.getName()).toList();
            nodesHealth.success(Instant.now());
            return names;
        } catch (KubernetesClientException e) {
            final Throwable root = Causes.root(e);
            nodesHealth.failure(Instant.now(), "discovery skipped, cannot list Kubernetes nodes (give --kube-node "
                    + "instead?): " + (e.getCode() > 0 ? "HTTP " + e.getCode() + " " + e.getMessage()
                    : Causes.oneLine(root)));
            return List.of();
        }
    }
}
