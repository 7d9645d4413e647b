package io.incidentcorrelator.collectors.etcd;

import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.collectors.testing.RealEtcd;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Scrapes a real etcd (Debian's {@code etcd-server}, or {@code $ETCD_BIN}) started on loopback
 * ports with a throw-away data directory. Skipped when no etcd binary is installed.
 */
@Timeout(value = 45, unit = TimeUnit.SECONDS)
class EtcdRealServerTest {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdRealServerTest.class);

    @TempDir
    Path dataDir;

    private RealEtcd etcd;

    @AfterEach
    void stopEtcd() throws InterruptedException {
        if (etcd == null) {
            return;
        }
        etcd.close();
        LOG.info("etcd stopped (exit {})", etcd.exitValue() == null ? "still running!" : etcd.exitValue());
    }

    @Test
    void samplesFromARealEtcdArePlausible() throws Exception {
        final Optional<Path> binary = RealEtcd.binary();
        assumeTrue(binary.isPresent(), RealEtcd.NOT_INSTALLED);
        LOG.info("etcd binary found at {}", binary.get());
        etcd = RealEtcd.start(binary.get(), dataDir);
        final String client = etcd.clientUrl();

        final RecordingWriter sink = new RecordingWriter();
        final EtcdConfig config = EtcdConfig.of("itest", List.of(EtcdMember.parse(client)))
                .withInterval(Duration.ofSeconds(5));
        final EtcdCollector collector = new EtcdCollector(config, sink);

        assertEquals(0, collector.pollOnce(), "first scrape is only a baseline");
        for (int i = 0; i < 25; i++) {
            assertEquals(200, etcd.put("/itest/key-" + i, "value-" + i + "-" + "x".repeat(200)));
        }
        Thread.sleep(300); // backend commits are batched every 100 ms
        assertEquals(1, collector.pollOnce());

        final RecordingWriter.Sent sent = sink.sent().get(0);
        assertEquals("etcd-latency", sent.topic());
        assertEquals("itest/127.0.0.1", sent.key());
        final EtcdLatencySample s = (EtcdLatencySample) sent.value();
        LOG.info("sample from real etcd: {}", s);
        assertEquals("itest", s.getCluster());
        assertEquals("127.0.0.1", s.getMember());
        assertTrue(s.getWalFsyncP99Ms() > 0 && s.getWalFsyncP99Ms() < 10_000, "WAL fsync p99 " + s.getWalFsyncP99Ms());
        assertNotNull(s.getBackendCommitP99Ms());
        assertTrue(s.getBackendCommitP99Ms() > 0 && s.getBackendCommitP99Ms() < 10_000);
        assertTrue(s.getDbSizeBytes() > 0);
        assertTrue(s.getDbSizeInUseBytes() > 0 && s.getDbSizeInUseBytes() <= s.getDbSizeBytes());
        assertEquals(Boolean.TRUE, s.getLeader());
        assertEquals(0, s.getSlowApplies());
    }
}
