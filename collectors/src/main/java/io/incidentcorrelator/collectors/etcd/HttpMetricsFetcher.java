package io.incidentcorrelator.collectors.etcd;

import io.incidentcorrelator.collectors.TlsOptions;
import io.incidentcorrelator.collectors.internal.HttpClients;

import io.incidentcorrelator.collectors.internal.Causes;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
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
        final HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            // The JDK's ConnectException for a refused connection carries no message, only a
            // ClosedChannelException as its cause.
            final String why = e.getMessage() != null ? e.getMessage() : "connection refused";
            throw new IOException("cannot connect to " + member.metricsUri().getAuthority() + " (" + why
                    + "); is the member up and --endpoint's address and port right?", e);
        } catch (HttpTimeoutException e) {
            throw e;
        } catch (IOException e) {
            final String what = Causes.oneLine(Causes.root(e));
            // The JDK's words for a body that ended before its Content-Length or last chunk.
            if (what.contains("content-length") || what.contains("EOF") || what.contains("closed")) {
                throw new IOException("truncated/malformed body from " + member.metricsUri() + " (" + what
                        + "); the connection ended mid-answer", e);
            }
            throw new IOException(what + " from " + member.metricsUri(), e);
        }
        final int status = response.statusCode();
        if (status != 200) {
            throw new IOException("HTTP " + status + " from " + member.metricsUri() + switch (status) {
                case 401, 403 -> "; the metrics listener wants credentials, which this collector does not send: "
                        + "scrape etcd's --listen-metrics-urls listener (plain http, no auth)";
                case 404 -> "; not a metrics path: etcd serves /metrics (give the URL without a path)";
                default -> "";
            });
        }
        return response.body();
    }
}
