package io.incidentcorrelator.collectors.backfill;

import io.incidentcorrelator.collectors.TlsOptions;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A Prometheus server (or compatible API) that scraped one cluster's etcd and kube-state-metrics.
 *
 * @param url            base URL, e.g. {@code http://prometheus.monitoring:9090}
 * @param tls            certificate verification for https
 * @param bearerToken    sent as {@code Authorization: Bearer}, or null; masked in {@link #toString()}
 * @param step           resolution of the backfilled series (also the etcd sample interval)
 * @param requestTimeout bound on each request
 * @param cluster        the cluster name to put on samples and restarts ({@code prod})
 * @param selector       label matchers added to every metric, e.g. {@code cluster="prod"}; empty for none
 * @param etcdMembers    Prometheus {@code instance} label → etcd member (node) name; unlisted
 *                       instances are named by their host part ({@code 10.0.0.5:2381} → {@code 10.0.0.5})
 */
public record PrometheusSource(URI url, TlsOptions tls, String bearerToken, Duration step, Duration requestTimeout,
                               String cluster, String selector, Map<String, String> etcdMembers) {

    public PrometheusSource {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(cluster, "cluster");
        selector = selector == null ? "" : selector.trim();
        etcdMembers = Map.copyOf(etcdMembers);
        if (step.toSeconds() < 1) {
            throw new IllegalArgumentException("step must be at least 1 s");
        }
    }

    /** System trust, no token, 60 s step, 30 s timeout, no selector, members named by instance host. */
    public static PrometheusSource of(URI url, String cluster) {
        return new PrometheusSource(url, TlsOptions.verifyWithSystemTrust(), null, Duration.ofSeconds(60),
                Duration.ofSeconds(30), cluster, "", Map.of());
    }

    public PrometheusSource withSelector(String newSelector) {
        return new PrometheusSource(url, tls, bearerToken, step, requestTimeout, cluster, newSelector, etcdMembers);
    }

    public PrometheusSource withStep(Duration newStep) {
        return new PrometheusSource(url, tls, bearerToken, newStep, requestTimeout, cluster, selector, etcdMembers);
    }

    public PrometheusSource withEtcdMembers(Map<String, String> names) {
        return new PrometheusSource(url, tls, bearerToken, step, requestTimeout, cluster, selector, names);
    }

    @Override
    public String toString() {
        return "PrometheusSource[" + url + ", cluster=" + cluster + ", selector=" + selector + ", step=" + step
                + (bearerToken == null ? "" : ", token=****") + "]";
    }
}
