package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.inventory.Inventory;
import io.incidentcorrelator.collectors.proxmox.BackupPhaseDedup;
import io.incidentcorrelator.collectors.proxmox.hook.HookConfig;
import io.incidentcorrelator.collectors.proxmox.hook.HookEndpoint;
import io.incidentcorrelator.collectors.proxmox.hook.HookCredentials;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.security.SecretFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/** The vzdump hook's HTTP endpoint: where it listens, the token it wants, the inventory for storage hosts. */
final class HookOptions {

    private static final Logger LOG = LoggerFactory.getLogger(HookOptions.class);

    @Option(names = "--hook-listen", paramLabel = "HOST:PORT",
            description = "Address the vzdump hook endpoint listens on; 0.0.0.0:" + HookConfig.DEFAULT_PORT
                    + " takes posts from other nodes (env INCIDENT_CORRELATOR_COLLECT_HOOK_LISTEN). proxmox-hook: "
                    + "default 127.0.0.1:" + HookConfig.DEFAULT_PORT + ", the hook script's default. proxmox-backup: "
                    + "no endpoint unless given; not with --once.")
    String listen;

    @Option(names = "--hook-token-file", paramLabel = "PATH",
            description = "File with one line per Proxmox node, \"NODE TOKEN [ADDRESS,...]\": a node's token is "
                    + "accepted for that node only (and only from those addresses, when given); each node's "
                    + "CORRELATOR_HOOK_TOKEN_FILE holds its own token. A file with one bare token is shared by all "
                    + "nodes. Required unless listening on loopback only "
                    + "(env INCIDENT_CORRELATOR_COLLECT_HOOK_TOKEN_FILE).")
    Path tokenFile;

    @Option(names = "--hook-tls-cert", paramLabel = "PEM",
            description = "Serve the hook endpoint over HTTPS with this certificate (chain) "
                    + "(env INCIDENT_CORRELATOR_COLLECT_HOOK_TLS_CERT); needs --hook-tls-key.")
    Path tlsCert;

    @Option(names = "--hook-tls-key", paramLabel = "PEM",
            description = "The certificate's private key, PKCS#8 or RSA PEM, unencrypted "
                    + "(env INCIDENT_CORRELATOR_COLLECT_HOOK_TLS_KEY).")
    Path tlsKey;

    @Option(names = "--inventory", paramLabel = "FILE",
            description = "Inventory YAML; its storage section names the host receiving each backup storage, "
                    + "which the hook's phases carry as targetHost. Only used by the hook endpoint: on "
                    + "proxmox-backup it matters only with --hook-listen (env INCIDENT_CORRELATOR_COLLECT_INVENTORY).")
    Path inventory;

    @Option(names = "--sent-phases-file", paramLabel = "PATH",
            description = "Journal of the backup phases already sent, so a restarted collector does not send them "
                    + "again; it keeps --lookback + 1h of them (at least 12 h, at most 100000 phases) "
                    + "(env INCIDENT_CORRELATOR_COLLECT_SENT_PHASES_FILE). Without it, a restart re-sends the "
                    + "phases within the look-back.")
    Path sentPhases;

    /** The phase memory shared by the poller and the hook endpoint; on disk when {@code --sent-phases-file} is given. */
    BackupPhaseDedup dedup(CollectorSettings settings) throws IOException {
        return dedup(settings, Duration.ZERO);
    }

    /** As {@link #dedup(CollectorSettings)}, remembering at least what a poll reaching back {@code lookback} reads. */
    BackupPhaseDedup dedup(CollectorSettings settings, Duration lookback) throws IOException {
        return dedup(settings.path(sentPhases, "sent-phases-file"), lookback);
    }

    /** The phase memory: in {@code file} when given, else in memory; remembering at least {@code lookback}. */
    static BackupPhaseDedup dedup(Path file, Duration lookback) throws IOException {
        final Duration retention = BackupPhaseDedup.retentionFor(lookback);
        return file == null ? new BackupPhaseDedup(Duration.ofMinutes(2), retention)
                : BackupPhaseDedup.persistent(file, retention);
    }

    /** {@code --hook-listen} from the command line or the settings; null when not given. */
    String listen(CollectorSettings settings) {
        return settings.get(listen, "hook-listen");
    }

    /** Binds the endpoint at {@code listen} ({@code HOST:PORT}) and starts it. */
    HookEndpoint start(CollectorSettings settings, String listen, EventWriter sink, String topic, BackupPhaseDedup dedup)
            throws IOException {
        return start(listen, settings.path(tokenFile, "hook-token-file"), settings.path(tlsCert, "hook-tls-cert"),
                settings.path(tlsKey, "hook-tls-key"),
                InventoryOptions.loadOrEmpty(settings.path(inventory, "inventory")), sink, topic, dedup);
    }

    /**
     * The endpoint of {@code collect proxmox-hook} and of {@code run --config homelab.yaml}: binds
     * {@code listen} ({@code HOST:PORT}) and starts it.
     *
     * @param token   the per-node tokens file; null only on loopback
     * @param storage the inventory whose storage section names each backup storage's host
     */
    static HookEndpoint start(String listen, Path token, Path cert, Path key, Inventory storage, EventWriter sink,
                              String topic, BackupPhaseDedup dedup) throws IOException {
        final InetSocketAddress bind = parseAddress(listen);
        WebOptions.requireFree(bind.getHostString(), bind.getPort(), "vzdump hook endpoint", "--hook-listen");
        if (token == null && !bind.getAddress().isLoopbackAddress()) {
            throw new ConfigException("--hook-token-file is required when the hook endpoint listens beyond loopback ("
                    + listen + "): anyone who can reach it could post backup phases");
        }
        HookConfig hook = HookConfig.of(bind).withBackupTopic(topic);
        if (token != null) {
            SecretFiles.warnIfReadableByOthers(token, "hook token");
            final HookCredentials credentials;
            try {
                credentials = HookCredentials.fromFile(token);
            } catch (RuntimeException e) {
                throw new ConfigException(e.getMessage());
            }
            if (!credentials.perNode() && !bind.getAddress().isLoopbackAddress()) {
                LOG.warn("SECURITY: {} holds one token shared by every node: whoever has it can report backups for "
                        + "any node. Give each node its own (see deploy/proxmox/README.md)", token);
            }
            hook = hook.withCredentials(credentials);
        }
        if ((cert == null) != (key == null)) {
            throw new ConfigException("--hook-tls-cert and --hook-tls-key go together: give both or neither");
        }
        if (cert != null) {
            SecretFiles.warnIfReadableByOthers(key, "hook TLS private key");
            hook = hook.withTls(new HookConfig.Tls(cert, key));
        } else if (!bind.getAddress().isLoopbackAddress()) {
            LOG.warn("SECURITY: the hook endpoint listens on {} over plain HTTP: tokens and phases cross the network "
                    + "in cleartext. Give --hook-tls-cert/--hook-tls-key or put a TLS proxy in front", listen);
        }
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
