package io.incidentcorrelator.collectors.etcd;

import io.incidentcorrelator.security.Scrubber;

import java.net.URI;
import java.util.Objects;

/**
 * One etcd member to scrape: its name (the node name the contract wants) and its metrics URL.
 *
 * <p>etcd does not expose its {@code --name} in {@code /metrics}, so unless configured the name is
 * the endpoint's host. On kubeadm/Talos control planes the metrics listener is usually
 * {@code http://127.0.0.1:2381} (plain HTTP, no client certificate) - give those a name.
 */
public record EtcdMember(String name, URI metricsUri) {

    public EtcdMember {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(metricsUri, "metricsUri");
        if (name.isBlank()) {
            throw new IllegalArgumentException("member name is blank");
        }
        if (metricsUri.getRawUserInfo() != null) {
            // Refused rather than ignored: etcd's metrics listener takes no basic auth, and a
            // password in the URL would otherwise be printed with every failure.
            throw new IllegalArgumentException("etcd endpoint " + name + " (" + Scrubber.url(metricsUri)
                    + "): user:password@ in the URL is not supported; etcd's metrics listener "
                    + "(--listen-metrics-urls) takes no credentials, remove them");
        }
        final String scheme = metricsUri.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("etcd endpoint must be http or https: " + metricsUri);
        }
        if (metricsUri.getHost() == null) {
            throw new IllegalArgumentException("etcd endpoint has no host: " + metricsUri);
        }
    }

    /**
     * Parses {@code [name=]http(s)://host:port[/path]}. Without a path, {@code /metrics} is used;
     * without a name, the host.
     */
    public static EtcdMember parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        String name = null;
        String url = spec.trim();
        final int eq = url.indexOf('=');
        final int scheme = url.indexOf("://");
        if (eq > 0 && (scheme < 0 || eq < scheme)) {
            name = url.substring(0, eq).trim();
            url = url.substring(eq + 1).trim();
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("etcd endpoint is not a URL: " + Scrubber.scrub(url));
        }
        if (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")) {
            uri = uri.resolve("/metrics");
        }
        return new EtcdMember(name == null || name.isEmpty() ? uri.getHost() : name, uri);
    }
}
