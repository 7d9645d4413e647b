package io.incidentcorrelator.collectors.etcd;

import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.collectors.testing.MutableClock;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EtcdCollectorTest {

    private static final Instant T0 = Instant.parse("2026-02-26T02:20:00Z");
    private static final EtcdMember CP1 = EtcdMember.parse("talos-cp-01=http://10.0.0.11:2381");

    private final MutableClock clock = new MutableClock(T0);
    private final RecordingWriter sink = new RecordingWriter();
    private final Deque<Object> responses = new ArrayDeque<>();

    private EtcdCollector collector() {
        final EtcdConfig config = EtcdConfig.of("prod", List.of(CP1)).withInterval(Duration.ofSeconds(15));
        return new EtcdCollector(config, sink, member -> {
            final Object next = responses.removeFirst();
            if (next instanceof IOException e) {
                throw e;
            }
            return (String) next;
        }, clock);
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = EtcdCollectorTest.class.getResourceAsStream("/etcd/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void firstScrapeIsABaselineAndTheSecondGivesTheIntervalsP99() throws Exception {
        responses.add(fixture("metrics-1.txt"));
        responses.add(fixture("metrics-2.txt"));
        final EtcdCollector c = collector();

        assertEquals(0, c.pollOnce());
        clock.advance(Duration.ofSeconds(15));
        assertEquals(1, c.pollOnce());

        final RecordingWriter.Sent sent = sink.sent().get(0);
        assertEquals("etcd-latency", sent.topic());
        assertEquals("prod/talos-cp-01", sent.key());
        final EtcdLatencySample s = (EtcdLatencySample) sent.value();
        assertEquals("prod", s.getCluster());
        assertEquals("talos-cp-01", s.getMember());
        // WAL deltas 50,100,150,170,185,196,200 (cumulative): rank 198 in (32 ms, 64 ms] -> 48 ms.
        assertEquals(48.0, s.getWalFsyncP99Ms(), 1e-9);
        // Commit deltas 0,60,100,150,160: rank 158.4 in (8 ms, 16 ms] -> 8 + 8 * 8.4/10.
        assertEquals(14.72, s.getBackendCommitP99Ms(), 1e-9);
        assertEquals(3, s.getSlowApplies());
        assertEquals(2147483648L, s.getDbSizeBytes());
        assertEquals(413696000L, s.getDbSizeInUseBytes());
        assertEquals(Boolean.TRUE, s.getLeader());
        assertEquals(T0.plusSeconds(15), s.getTime());
    }

    @Test
    void counterResetUsesTheNewCountsAndNeverGoesNegative() throws Exception {
        responses.add(fixture("metrics-2.txt"));
        responses.add(fixture("metrics-3-restarted.txt"));
        final EtcdCollector c = collector();
        c.pollOnce();
        clock.advance(Duration.ofSeconds(15));
        assertEquals(1, c.pollOnce());

        final EtcdLatencySample s = sink.values(EtcdLatencySample.class).get(0);
        // After the restart: 20,35,38,40 cumulative -> rank 39.6 in (4 ms, 8 ms] -> 7.2 ms.
        assertEquals(7.2, s.getWalFsyncP99Ms(), 1e-9);
        assertEquals(7.6, s.getBackendCommitP99Ms(), 1e-9);
        assertEquals(0, s.getSlowApplies());
        assertEquals(Boolean.FALSE, s.getLeader());
    }

    @Test
    void resetIsDetectedFromCountsAloneWhenStartTimeIsMissing() throws Exception {
        responses.add(fixture("metrics-2.txt").replaceAll("(?m)^process_start_time_seconds.*$", ""));
        responses.add(fixture("metrics-3-restarted.txt").replaceAll("(?m)^process_start_time_seconds.*$", ""));
        final EtcdCollector c = collector();
        c.pollOnce();
        clock.advance(Duration.ofSeconds(15));
        c.pollOnce();
        final EtcdLatencySample s = sink.values(EtcdLatencySample.class).get(0);
        assertEquals(7.2, s.getWalFsyncP99Ms(), 1e-9);
        assertTrue(s.getSlowApplies() >= 0);
    }

    @Test
    void idleIntervalReportsZeroWalLatencyAndNoCommitLatency() throws Exception {
        responses.add(fixture("metrics-2.txt"));
        responses.add(fixture("metrics-2.txt"));
        final EtcdCollector c = collector();
        c.pollOnce();
        clock.advance(Duration.ofSeconds(15));
        c.pollOnce();
        final EtcdLatencySample s = sink.values(EtcdLatencySample.class).get(0);
        assertEquals(0.0, s.getWalFsyncP99Ms());
        assertNull(s.getBackendCommitP99Ms());
        assertEquals(0, s.getSlowApplies());
    }

    @Test
    void longGapOnlyTakesANewBaseline() throws Exception {
        responses.add(fixture("metrics-1.txt"));
        responses.add(fixture("metrics-2.txt"));
        final EtcdCollector c = collector();
        c.pollOnce();
        clock.advance(Duration.ofMinutes(10));
        assertEquals(0, c.pollOnce());
        assertTrue(sink.sent().isEmpty());
    }

    @Test
    void failuresBackOffAndRecover() throws Exception {
        final EtcdCollector c = collector();
        responses.add(new ConnectException("Connection refused"));
        assertEquals(0, c.pollOnce());
        // Backing off for one interval: no fetch is attempted (the queue would throw if it were).
        clock.advance(Duration.ofSeconds(5));
        assertEquals(0, c.pollOnce());

        clock.advance(Duration.ofSeconds(10));
        responses.add(fixture("metrics-1.txt"));
        assertEquals(0, c.pollOnce());
        clock.advance(Duration.ofSeconds(15));
        responses.add("# not etcd\nup 1\n");
        assertEquals(0, c.pollOnce());
        clock.advance(Duration.ofSeconds(15));
        responses.add(fixture("metrics-2.txt"));
        assertEquals(1, c.pollOnce());
        assertTrue(responses.isEmpty());
    }

    @Test
    void memberNameDefaultsToTheEndpointHost() {
        final EtcdMember m = EtcdMember.parse("https://10.0.0.12:2379");
        assertEquals("10.0.0.12", m.name());
        assertEquals("/metrics", m.metricsUri().getPath());
        assertEquals("cp-2", EtcdMember.parse("cp-2=http://127.0.0.1:2381/metrics").name());
    }
}
