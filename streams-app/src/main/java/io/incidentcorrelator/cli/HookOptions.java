package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.EventSink;
import io.incidentcorrelator.collectors.inventory.Inventory;
import io.incidentcorrelator.collectors.proxmox.BackupPhaseDedup;
import io.incidentcorrelator.collectors.proxmox.hook.HookConfig;
import io.incidentcorrelator.collectors.proxmox.hook.HookEndpoint;
import io.incidentcorrelator.collectors.proxmox.hook.HookToken;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/** The vzdump hook's HTTP endpoint: where it listens, the token it wants, the inventory for storage hosts. */
final class HookOptions {

    @Option(names = "--hook-listen", paramLabel = "HOST:PORT",
            description = "Address the vzdump hook endpoint listens on; 0.0.0.0:" + HookConfig.DEFAULT_PORT
                    + " takes posts from other nodes (env INCIDENT_CORRELATOR_COLLECT_HOOK_LISTEN). proxmox-hook: "
                    + "default 127.0.0.1:" + HookConfig.DEFAULT_PORT + ", the hook script's default. proxmox-backup: "
                    + "no endpoint unless given; not with --once.")
    String listen;

    @Option(names = "--hook-token-file", paramLabel = "PATH",
            description = "File with the token the hook script sends (the same as CORRELATOR_HOOK_TOKEN_FILE on the "
                    + "Proxmox nodes); required unless listening on loopback only "
                    + "(env INCIDENT_CORRELATOR_COLLECT_HOOK_TOKEN_FILE).")
    Path tokenFile;

    @Option(names = "--inventory", paramLabel = "FILE",
            description = "Inventory YAML; its storage section names the host receiving each backup storage "
                    + "(env INCIDENT_CORRELATOR_COLLECT_INVENTORY).")
    Path inventory;

    @Option(names = "--sent-phases-file", paramLabel = "PATH",
            description = "Journal of the backup phases already sent, so a restarted collector does not send them "
                    + "again (env INCIDENT_CORRELATOR_COLLECT_SENT_PHASES_FILE). Without it, a restart re-sends the "
                    + "phases within the look-back.")
    Path sentPhases;

    /** The phase memory shared by the poller and the hook endpoint; on disk when {@code --sent-phases-file} is given. */
    BackupPhaseDedup dedup(CollectorSettings settings) throws IOException {
        final Path file = settings.path(sentPhases, "sent-phases-file");
        return file == null ? new BackupPhaseDedup() : BackupPhaseDedup.persistent(file);
    }

    /** {@code --hook-listen} from the command line or the settings; null when not given. */
    String listen(CollectorSettings settings) {
        return settings.get(listen, "hook-listen");
    }

    /** Binds the endpoint at {@code listen} ({@code HOST:PORT}) and starts it. */
    HookEndpoint start(CollectorSettings settings, String listen, EventSink sink, String topic, BackupPhaseDedup dedup)
            throws IOException {
        final InetSocketAddress bind = parseAddress(listen);
        WebOptions.requireFree(bind.getHostString(), bind.getPort(), "vzdump hook endpoint", "--hook-listen");
        final Path token = settings.path(tokenFile, "hook-token-file");
        if (token == null && !bind.getAddress().isLoopbackAddress()) {
            throw new ConfigException("--hook-token-file is required when the hook endpoint listens beyond loopback ("
                    + listen + "): anyone who can reach it could post backup phases");
        }
        HookConfig hook = HookConfig.of(bind).withBackupTopic(topic);
        if (token != null) {
            try {
                hook = hook.withToken(HookToken.fromFile(token));
            } catch (RuntimeException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        final Inventory storage = InventoryOptions.loadOrEmpty(settings.path(inventory, "inventory"));
        final HookEndpoint endpoint = new HookEndpoint(hook, sink, storage.storageHosts(), dedup);
        endpoint.start();
        return endpoint;
    }

    /** {@code HOST:PORT}, {@code [IPv6]:PORT}, or {@code :PORT} for every interface. */
    static InetSocketAddress parseAddress(String text) {
        final int colon = text.lastIndexOf(':');
        try {
            final int port = Integer.parseInt(text.substring(colon + 1));
            if (colon < 0 || port < 0 || port > 65_535) {
                throw new NumberFormatException();
            }
            final String host = text.substring(0, colon).replace("[", "").replace("]", "");
            return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new ConfigException("--hook-listen \"" + text + "\": expected HOST:PORT, e.g. 127.0.0.1:"
                    + HookConfig.DEFAULT_PORT + " or 0.0.0.0:" + HookConfig.DEFAULT_PORT);
        }
    }
}
