package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.proxmox.hook.HookConfig;
import io.incidentcorrelator.collectors.proxmox.hook.HookEndpoint;
import io.incidentcorrelator.topics.TopicNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.CountDownLatch;

/** {@code correlator collect proxmox-hook}: the endpoint the vzdump hook script posts to. */
@Command(name = "proxmox-hook",
        mixinStandardHelpOptions = true,
        description = {
                "Serves the vzdump hook's endpoint and sends BackupEvents.",
                "%nTakes POST /vzdump from deploy/proxmox/vzdump-hook.sh (installed as `script:` in /etc/vzdump.conf) "
                        + "and sends one BackupEvent per job or guest phase, stamped with the time it arrived. --once "
                        + "exits after the first phase, to check an installation. To poll the task API in the same "
                        + "process without duplicates between the two, use `collect proxmox-backup --hook-listen`."})
final class CollectProxmoxHookCommand extends CollectorCommand {

    @Mixin
    HookOptions hook;

    @Override
    String defaultTopic(TopicNames names) {
        return names.backupEvents();
    }

    @Override
    int collect(EventWriter sink, String topic) throws Exception {
        final CountDownLatch first = new CountDownLatch(1);
        final EventWriter counting = (t, key, value) -> {
            sink.send(t, key, value);
            first.countDown();
        };
        final String address = hook.listen(settings);
        final HookEndpoint endpoint = hook.start(settings, address == null ? "127.0.0.1:" + HookConfig.DEFAULT_PORT
                : address, counting, topic, hook.dedup(settings));
        watch(() -> java.util.List.of(endpoint.health()), endpoint::metrics);
        try {
            if (once) {
                first.await();
            } else {
                awaitStop();
            }
        } finally {
            endpoint.close();
        }
        return 0;
    }
}
