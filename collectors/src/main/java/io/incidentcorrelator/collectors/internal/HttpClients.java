package io.incidentcorrelator.collectors.internal;

import io.incidentcorrelator.security.TrustStores;

import io.incidentcorrelator.collectors.TlsOptions;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;

/** Builds the {@link HttpClient}s the collectors use, with the TLS behaviour {@link TlsOptions} asks for. */
public final class HttpClients {

    private HttpClients() {
    }

    /** The TLS context {@code tls} asks for; null for the JDK's default trust. */
    public static SSLContext sslContext(TlsOptions tls) {
        if (tls.insecure()) {
            return trustAllContext();
        }
        return tls.caFile() != null ? caFileContext(tls) : null;
    }

    public static HttpClient create(TlsOptions tls, Duration connectTimeout) {
        final HttpClient.Builder builder = HttpClient.newBuilder()
                // Neither pveproxy nor etcd's metrics listener speaks h2c; skip the upgrade dance.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (tls.insecure()) {
            builder.sslContext(trustAllContext());
        } else if (tls.caFile() != null) {
            builder.sslContext(caFileContext(tls));
        }
        return builder.build();
    }

    private static SSLContext caFileContext(TlsOptions tls) {
        try {
            return TrustStores.fromPem(tls.caFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CA file " + tls.caFile(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use CA file " + tls.caFile() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Accepts any certificate for any host name. Being an {@link X509ExtendedTrustManager} matters:
     * the JDK then skips its own host name check, which it would otherwise still apply.
     */
    private static SSLContext trustAllContext() {
        final X509ExtendedTrustManager trustAll = new X509ExtendedTrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) { }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) { }
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        try {
            final SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustAll}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS unavailable", e);
        }
    }
}
