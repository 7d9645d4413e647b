package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.proxmox.MemoryPoller;
import io.incidentcorrelator.collectors.proxmox.ProxmoxClient;
import io.incidentcorrelator.collectors.proxmox.ProxmoxConfig;
import io.incidentcorrelator.config.CollectorBuiltIns;
import io.incidentcorrelator.topics.TopicNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;


/** {@code correlator collect proxmox-memory}: host and guest memory, balloon, PSI and CPU. */
@Command(name = "proxmox-memory",
        mixinStandardHelpOptions = true,
        description = {
                "Polls Proxmox node and guest status and sends MemorySamples.",
                "%nGET /nodes/{node}/status and, for every running guest, /nodes/{node}/qemu/{vmid}/status/current "
                        + "(key HOST for the node, HOST/VMID for a guest): memory used/total, balloon, memory pressure "
                        + "(the host's from /nodes/{node}/rrddata when the status lacks it, as on PVE 9), CPU and I/O "
                        + "wait. A failing node backs off, with one log line per change; --once exits 1 when a node "
                        + "failed."})
final class CollectProxmoxMemoryCommand extends CollectorCommand {

    @Mixin
    ProxmoxOptions proxmox;

    @Option(names = "--interval", paramLabel = "DURATION",
            defaultValue = CollectorBuiltIns.PROXMOX_INTERVAL,
            description = "Time between polls (env INCIDENT_CORRELATOR_COLLECT_INTERVAL).")
    String interval;

    @Override
    String defaultTopic(TopicNames names) {
        return names.proxmoxMemory();
    }

    @Override
    int collect(EventWriter sink, String topic) throws Exception {
        final ProxmoxConfig api = proxmox.config(settings, settings.duration(interval, "interval"))
                .withTopics(TopicNames.defaults().backupEvents(), topic);
        final MemoryPoller poller = new MemoryPoller(new ProxmoxClient(api), api, sink);
        watch(poller::sources);
        return pollLoop(poller::pollOnce, poller::nextPollDelay, poller::pollOnce, true);
    }
}
