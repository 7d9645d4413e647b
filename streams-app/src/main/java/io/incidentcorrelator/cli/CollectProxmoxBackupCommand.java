package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.internal.SourceHealth;
import io.incidentcorrelator.collectors.proxmox.BackupPhaseDedup;
import io.incidentcorrelator.collectors.proxmox.BackupTaskPoller;
import io.incidentcorrelator.collectors.proxmox.ProxmoxClient;
import io.incidentcorrelator.collectors.proxmox.ProxmoxConfig;
import io.incidentcorrelator.collectors.proxmox.hook.HookEndpoint;
import io.incidentcorrelator.config.CollectorBuiltIns;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.topics.TopicNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** {@code correlator collect proxmox-backup}: vzdump jobs from the task API, optionally with the hook. */
@Command(name = "proxmox-backup",
        mixinStandardHelpOptions = true,
        description = {
                "Polls Proxmox vzdump tasks and sends BackupEvents.",
                "%nGET /nodes/{node}/tasks?typefilter=vzdump and each task's log give JOB_START / JOB_END / JOB_ABORT "
                        + "per job and BACKUP_START / END / ABORT per guest (key HOST/UPID). With --hook-listen the "
                        + "vzdump hook is served in the same process, and a phase both report is sent once. Each phase "
                        + "is sent once per process lifetime; after a restart --lookback is read again, and "
                        + "--sent-phases-file keeps it from being sent twice (it remembers at least --lookback + 1h). "
                        + "--inventory only matters with --hook-listen (the hook reports the storage; the task API "
                        + "does not). --once exits 1 when a node failed."})
final class CollectProxmoxBackupCommand extends CollectorCommand {

    @Mixin
    ProxmoxOptions proxmox;

    @Option(names = "--interval", paramLabel = "DURATION",
            defaultValue = CollectorBuiltIns.PROXMOX_INTERVAL,
            description = "Time between polls (env INCIDENT_CORRELATOR_COLLECT_INTERVAL).")
    String interval;

    @Option(names = "--lookback", paramLabel = "DURATION",
            defaultValue = CollectorBuiltIns.BACKUP_LOOKBACK,
            description = "How far back the first poll looks for vzdump tasks (env "
                    + "INCIDENT_CORRELATOR_COLLECT_LOOKBACK).")
    String lookback;

    @Mixin
    HookOptions hook;

    @Override
    String defaultTopic(TopicNames names) {
        return names.backupEvents();
    }

    @Override
    int collect(EventWriter sink, String topic) throws Exception {
        final ProxmoxConfig api = proxmox.config(settings, settings.duration(interval, "interval"))
                .withBackupLookback(settings.duration(lookback, "lookback"))
                .withTopics(topic, TopicNames.defaults().proxmoxMemory());
        final BackupPhaseDedup dedup = hook.dedup(settings, api.backupLookback());
        final BackupTaskPoller poller = new BackupTaskPoller(new ProxmoxClient(api), api, sink, dedup);
        final String listen = hook.listen(settings);
        if (listen == null) {
            watch(poller::sources);
            return pollLoop(poller::pollOnce, poller::nextPollDelay, poller::pollOnce, false);
        }
        if (once) {
            throw new ConfigException("--hook-listen serves the hook until stopped; it does not go with --once");
        }
        final HookEndpoint endpoint = hook.start(settings, listen, sink, topic, dedup);
        watch(() -> {
            final List<SourceHealth> all = new ArrayList<>(poller.sources());
            all.add(endpoint.health());
            return all;
        }, endpoint::metrics);
        try {
            return pollLoop(poller::pollOnce, poller::nextPollDelay, poller::pollOnce, false);
        } finally {
            endpoint.close();
        }
    }
}
