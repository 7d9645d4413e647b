package io.incidentcorrelator.collectors;

import java.nio.file.Path;

/**
 * How to verify a source's HTTPS certificate. Verification against the JVM's trust store is the
 * default; {@code caFile} replaces that trust store with the PEM certificates in the file (for
 * Proxmox: {@code /etc/pve/pve-root-ca.pem}); {@code insecure} turns verification off entirely
 * and must be asked for explicitly.
 */
public record TlsOptions(Path caFile, boolean insecure) {

    public TlsOptions {
        if (caFile != null && insecure) {
            throw new IllegalArgumentException("choose either a CA file or insecure, not both");
        }
    }

    public static TlsOptions verifyWithSystemTrust() {
        return new TlsOptions(null, false);
    }

    public static TlsOptions trustCaFile(Path caFile) {
        return new TlsOptions(caFile, false);
    }

    public static TlsOptions insecureNoVerification() {
        return new TlsOptions(null, true);
    }
}
