package io.incidentcorrelator.collectors.etcd;

import io.incidentcorrelator.collectors.TlsOptions;
import io.incidentcorrelator.collectors.internal.HttpClients;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Plain GET of the metrics URL, asking for the text format (not protobuf or OpenMetrics). */
final class HttpMetricsFetcher implements MetricsFetcher {

    private final HttpClient client;
    private final Duration requestTimeout;

    HttpMetricsFetcher(TlsOptions tls, Duration requestTimeout) {
        this.client = HttpClients.create(tls, requestTimeout);
        this.requestTimeout = requestTimeout;
    }

    @Override
    public String fetch(EtcdMember member) throws IOException, InterruptedException {
        final HttpRequest request = HttpRequest.newBuilder(member.metricsUri())
                .timeout(requestTimeout)
                .header("Accept", "text/plain;version=0.0.4")
                .GET()
                .build();
        final HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + member.metricsUri());
        }
        return response.body();
    }
}
