package io.incidentcorrelator.collectors.backfill.internal;

import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.incidentcorrelator.collectors.TlsOptions;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusClientTest {

    @Test
    void longRangesAreSplitAndSeriesMerged() throws Exception {
        final WireMockServer prom = LoopbackWireMock.start();
        try {
            final String token = java.util.UUID.randomUUID().toString();
            prom.stubFor(get(urlPathEqualTo("/api/v1/query_range")).withQueryParam("start", equalTo("0"))
                    .willReturn(okJson("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                            + "{\"metric\":{\"instance\":\"a:2381\"},\"values\":[[0,\"1\"],[9999,\"+Inf\"]]}]}}")));
            prom.stubFor(get(urlPathEqualTo("/api/v1/query_range")).withQueryParam("start", equalTo("10000"))
                    .willReturn(okJson("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                            + "{\"metric\":{\"instance\":\"a:2381\"},\"values\":[[10000.5,\"NaN\"]]},"
                            + "{\"metric\":{\"instance\":\"b:2381\"},\"values\":[[19999,\"2\"]]}]}}")));
            prom.stubFor(get(urlPathEqualTo("/api/v1/query_range")).withQueryParam("start", equalTo("20000"))
                    .willReturn(okJson("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}")));
            final PrometheusClient client = new PrometheusClient(URI.create(prom.baseUrl() + "/"),
                    TlsOptions.verifyWithSystemTrust(), token, Duration.ofSeconds(5));

            final List<PrometheusClient.Series> series = client.queryRange("up", Instant.EPOCH,
                    Instant.ofEpochSecond(25_000), Duration.ofSeconds(1));

            assertEquals(2, series.size());
            assertEquals(3, series.get(0).points().size());
            assertEquals(Double.POSITIVE_INFINITY, series.get(0).points().get(1).value());
            assertTrue(Double.isNaN(series.get(0).points().get(2).value()));
            assertEquals(Instant.ofEpochMilli(10_000_500), series.get(0).points().get(2).time());
            assertEquals("b:2381", series.get(1).labels().get("instance"));
            prom.verify(getRequestedFor(urlPathEqualTo("/api/v1/query_range")).withQueryParam("start", equalTo("0"))
                    .withQueryParam("end", equalTo("9999")).withQueryParam("step", equalTo("1"))
                    .withHeader("Authorization", equalTo("Bearer " + token)));
            prom.verify(getRequestedFor(urlPathEqualTo("/api/v1/query_range")).withQueryParam("start", equalTo("20000"))
                    .withQueryParam("end", equalTo("25000")));
            prom.verify(3, getRequestedFor(urlPathEqualTo("/api/v1/query_range")));
        } finally {
            prom.stop();
        }
    }
}
