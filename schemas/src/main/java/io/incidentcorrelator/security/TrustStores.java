package io.incidentcorrelator.security;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

/**
 * TLS contexts that verify servers against a trust store of the user's: the collectors' and the
 * sinks' PEM CA files, the schema registry's key store. Host names are still verified (by the
 * HTTP client); callers turn the exceptions into their own one-line messages.
 */
public final class TrustStores {

    private TrustStores() {
    }

    /** Trusts the certificates of a PEM file (one or more); an {@link IllegalArgumentException} when it holds none. */
    public static SSLContext fromPem(Path caFile) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(caFile)) {
            final KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int n = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + n++, certificate);
            }
            if (n == 0) {
                throw new IllegalArgumentException("CA file " + caFile + " holds no PEM certificate");
            }
            return trusting(trust);
        }
    }

    /** Trusts what {@code trust} holds. */
    public static SSLContext trusting(KeyStore trust) throws GeneralSecurityException {
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
