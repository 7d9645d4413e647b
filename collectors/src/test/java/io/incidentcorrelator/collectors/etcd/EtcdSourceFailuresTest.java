package io.incidentcorrelator.collectors.etcd;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import io.incidentcorrelator.collectors.CollectorHealth;
import io.incidentcorrelator.collectors.TlsOptions;
import io.incidentcorrelator.collectors.internal.SourceHealth;
import io.incidentcorrelator.collectors.testing.LogCapture;
import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import io.incidentcorrelator.collectors.testing.MutableClock;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** etcd's /metrics over real HTTP: statuses, refused connections, cut-off bodies; and the failure budget. */
class EtcdSourceFailuresTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-02-26T02:20:00Z"));
    private final RecordingWriter sink = new RecordingWriter();
    private WireMockServer etcd;

    @AfterEach
    void stop() {
        if (etcd != null) {
            etcd.stop();
        }
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = EtcdSourceFailuresTest.class.getResourceAsStream("/etcd/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private EtcdCollector collector(String url) {
        // Generous: a loaded build machine's first request to a cold WireMock can take seconds.
        return collector(url, Duration.ofSeconds(15));
    }

    private EtcdCollector collector(String url, Duration timeout) {
        final EtcdConfig config = EtcdConfig.of("prod", List.of(EtcdMember.parse("cp-01=" + url)))
                .withInterval(Duration.ofSeconds(15));
        return new EtcdCollector(config, sink, new HttpMetricsFetcher(TlsOptions.verifyWithSystemTrust(), timeout),
                clock);
    }

    private void answer(int status, String body) {
        etcd.stubFor(get(urlPathEqualTo("/metrics")).willReturn(aResponse().withStatus(status).withBody(body)));
    }

    @Test
    void aTruncatedBodyIsNamedSoAndTheNextGoodScrapeStillGivesASample() throws Exception {
        etcd = LoopbackWireMock.start();
        final EtcdCollector c = collector(etcd.baseUrl());
        final String m2 = fixture("metrics-2.txt");
        final String text;
        try (LogCapture log = LogCapture.start()) {
            answer(200, fixture("metrics-1.txt"));
            assertEquals(0, c.pollOnce());                  // baseline
            // Cut in the middle of the WAL histogram, as a proxy that gave up would.
            answer(200, m2.substring(0, m2.indexOf("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.008\"}") + 30));
            clock.advance(Duration.ofSeconds(15));
            assertEquals(0, c.pollOnce());
            final SourceHealth member = c.sources().get(0);
            assertEquals(SourceHealth.State.FAILING, member.state());
            assertTrue(member.lastReason().startsWith("truncated/malformed body from " + etcd.baseUrl() + "/metrics"),
                    member.lastReason());

            answer(200, m2);
            clock.advance(Duration.ofSeconds(15));
            assertEquals(1, c.pollOnce(), "the baseline from before the cut-off scrape still counts");
            text = log.text();
        }
        assertEquals(0, count(text, "changed layout"), text);
        assertEquals(1, count(text, "WARN", "cp-01", "failing", "truncated/malformed body"), text);
        assertEquals(1, count(text, "INFO", "cp-01", "recovered"), text);
    }

    @Test
    void statusesAndConnectionFailuresNameTheCauseAndTheNextStep() throws Exception {
        etcd = LoopbackWireMock.start();
        final EtcdCollector c = collector(etcd.baseUrl());
        final SourceHealth member = c.sources().get(0);

        answer(404, "404 page not found\n");
        c.pollOnce();
        assertTrue(member.lastReason().contains("HTTP 404 from " + etcd.baseUrl() + "/metrics; not a metrics path"),
                member.lastReason());

        answer(401, "");
        clock.advance(Duration.ofMinutes(10));
        c.pollOnce();
        assertTrue(member.lastReason().contains("HTTP 401") && member.lastReason().contains("--listen-metrics-urls"),
                member.lastReason());

        // WireMock is warm by now: a short timeout against a slow answer.
        etcd.stubFor(get(urlPathEqualTo("/metrics")).willReturn(aResponse().withStatus(200)
                .withBody(fixture("metrics-1.txt")).withFixedDelay(3000)));
        final EtcdCollector impatient = collector(etcd.baseUrl(), Duration.ofMillis(800));
        impatient.pollOnce();
        assertTrue(impatient.sources().get(0).lastReason().contains("timed out"),
                impatient.sources().get(0).lastReason());

        etcd.stubFor(get(urlPathEqualTo("/metrics")).willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));
        clock.advance(Duration.ofMinutes(10));
        c.pollOnce();
        assertFalse(member.lastReason().isBlank());

        final int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        final EtcdCollector refused = collector("http://127.0.0.1:" + closedPort);
        refused.pollOnce();
        final String reason = refused.sources().get(0).lastReason();
        assertTrue(reason.startsWith("cannot connect to 127.0.0.1:" + closedPort + " (connection refused)"), reason);
        assertTrue(reason.contains("--endpoint"), reason);
    }

    @Test
    void aMemberDownLongerThanTheBudgetMakesReadinessDownThenUp() throws Exception {
        etcd = LoopbackWireMock.start();
        final EtcdCollector c = collector(etcd.baseUrl());
        final CollectorHealth health = new CollectorHealth("etcd", Duration.ofMinutes(2), clock, c::sources);
        answer(503, "");
        for (int i = 0; i < 10; i++) {
            c.pollOnce();
            clock.advance(Duration.ofSeconds(20));
        }
        assertFalse(health.ready(), health.readyJson());
        assertEquals(1, health.failing().size());
        assertTrue(health.readyJson().contains("\"source\":\"etcd prod/cp-01"), health.readyJson());
        answer(200, fixture("metrics-1.txt"));
        clock.advance(Duration.ofMinutes(5));
        c.pollOnce();
        assertTrue(health.ready(), health.readyJson());
        assertTrue(health.failing().isEmpty());
        assertTrue(health.metrics().contains("correlator_collector_source_up{collector=\"etcd\",source=\"etcd prod/cp-01"));
    }

    private static long count(String text, String... parts) {
        return text.lines().filter(l -> Arrays.stream(parts).allMatch(l::contains)).count();
    }
}
