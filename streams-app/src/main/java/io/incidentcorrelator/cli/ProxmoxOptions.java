package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.proxmox.ApiToken;
import io.incidentcorrelator.collectors.proxmox.ProxmoxConfig;
import io.incidentcorrelator.collectors.TlsOptions;
import io.incidentcorrelator.config.CollectorBuiltIns;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The Proxmox VE API and its token. The secret is read from an environment variable or a file,
 * never taken from the command line, where {@code ps} and shell history would show it.
 */
final class ProxmoxOptions {

    /** Where the token secret is looked for when neither option says otherwise. */
    static final String DEFAULT_SECRET_ENV = "INCIDENT_CORRELATOR_PROXMOX_TOKEN_SECRET";

    @Option(names = "--proxmox-url", paramLabel = "URL",
            description = "Proxmox VE API of any cluster member, e.g. https://pve1.lan:8006 "
                    + "(env INCIDENT_CORRELATOR_COLLECT_PROXMOX_URL).")
    String url;

    @Option(names = "--token-id", paramLabel = "USER@REALM!TOKENID",
            description = "API token id; the token needs Sys.Audit on /nodes and VM.Audit on /vms "
                    + "(env INCIDENT_CORRELATOR_COLLECT_TOKEN_ID).")
    String tokenId;

    @Option(names = "--token-secret-env", paramLabel = "NAME",
            description = "Environment variable that holds the token secret (default: " + DEFAULT_SECRET_ENV + ").")
    String secretEnv;

    @Option(names = "--token-secret-file", paramLabel = "PATH",
            description = "File that holds the token secret, e.g. a mounted Kubernetes secret; wins over "
                    + "--token-secret-env (env INCIDENT_CORRELATOR_COLLECT_TOKEN_SECRET_FILE).")
    Path secretFile;

    @Option(names = "--node", paramLabel = "NAME",
            description = "Proxmox node to poll; repeat for several (env INCIDENT_CORRELATOR_COLLECT_NODE, "
                    + "comma-separated). Default: every node the API lists as online.")
    List<String> nodes;

    @Option(names = "--timeout", paramLabel = "DURATION",
            defaultValue = CollectorBuiltIns.PROXMOX_TIMEOUT,
            description = "Bound on each API request (env INCIDENT_CORRELATOR_COLLECT_TIMEOUT).")
    String timeout;

    @Mixin
    TlsFlags tls;

    boolean configured(CollectorSettings settings) {
        return settings.get(url, "proxmox-url") != null;
    }

    /** The API configuration with {@code interval} between polls. */
    ProxmoxConfig config(CollectorSettings settings, Duration interval) {
        final URI api;
        try {
            api = URI.create(settings.required(url, "proxmox-url"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--proxmox-url is not a URL: " + e.getMessage());
        }
        final String id = settings.required(tokenId, "token-id");
        final Path file = settings.path(secretFile, "token-secret-file");
        final ApiToken token;
        try {
            token = file != null ? ApiToken.fromFile(id, file)
                    : ApiToken.fromEnv(id, settings.get(secretEnv, "token-secret-env") == null ? DEFAULT_SECRET_ENV
                    : settings.get(secretEnv, "token-secret-env"));
        } catch (RuntimeException e) {
            // The messages name the variable or file, never the secret.
            throw new ConfigException("Proxmox API token: " + e.getMessage());
        }
        return config(api, token, tls.resolve(settings), settings.list(nodes, "node"), interval,
                settings.duration(timeout, "timeout"));
    }

    /** The API configuration of every Proxmox collector, in its own process or in {@code run}'s. */
    static ProxmoxConfig config(URI api, ApiToken token, TlsOptions tls, List<String> nodes, Duration interval,
                                Duration timeout) {
        try {
            return ProxmoxConfig.of(api, token)
                    .withTls(tls)
                    .withNodes(nodes)
                    .withTimings(interval, timeout, Duration.ofMinutes(5));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
