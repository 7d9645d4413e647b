package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.TlsOptions;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --ca-file} / {@code --insecure}: how a source's HTTPS certificate is checked (verified by default). */
final class TlsFlags {

    private static final Logger LOG = LoggerFactory.getLogger(TlsFlags.class);

    @Option(names = "--ca-file", paramLabel = "PEM",
            description = "Trust the CA certificates in this PEM file instead of the system's, e.g. "
                    + "/etc/pve/pve-root-ca.pem (env INCIDENT_CORRELATOR_COLLECT_CA_FILE).")
    Path caFile;

    @Option(names = "--insecure",
            description = "Do not verify the source's TLS certificate at all; only for a first try "
                    + "(env INCIDENT_CORRELATOR_COLLECT_INSECURE=true).")
    boolean insecure;

    TlsOptions resolve(CollectorSettings settings) {
        final Path ca = settings.path(caFile, "ca-file");
        final boolean off = settings.flag(insecure, "insecure");
        if (ca != null && off) {
            throw new ConfigException("--ca-file and --insecure exclude each other: verify with the CA, or not at all");
        }
        // picocli gives the field the environment's or the file's value too, so ask where it came from.
        final String origin = settings.origin("insecure");
        return resolve(ca, off, origin != null && settings.flag(false, "insecure") ? origin : "--insecure");
    }

    /** Verified with {@code ca} or the system's trust; {@code off} (said where by {@code how}) is warned about. */
    static TlsOptions resolve(Path ca, boolean off, String how) {
        if (off) {
            LOG.warn("SECURITY: TLS certificate and host name checks are OFF ({}): anyone on the path can read the "
                    + "API token and answer in the source's place. Use --ca-file instead", how);
        }
        return off ? TlsOptions.insecureNoVerification() : ca != null ? TlsOptions.trustCaFile(ca)
                : TlsOptions.verifyWithSystemTrust();
    }
}
