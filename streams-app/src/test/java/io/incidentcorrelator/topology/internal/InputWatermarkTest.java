package io.incidentcorrelator.topology.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InputWatermarkTest {

    private static final Duration IDLE_AFTER = Duration.ofSeconds(30);
    private static final Duration HORIZON = Duration.ofHours(2);
    /** Wall clock a day after the history the tests deliver (event times near 0). */
    private static final long A_DAY_LATER = Duration.ofDays(1).toMillis();

    @Test
    void theSlowestPartitionHoldsTheWatermarkUntilItIsIdle() {
        final InputWatermark w = new InputWatermark(IDLE_AFTER, HORIZON, 2, 0);
        w.delivered("pod-restarts-0", 1_000, 0);
        assertEquals(InputWatermark.NONE, w.at(1_000), "the other partition may still deliver anything");
        w.delivered("proxmox-memory-0", 50_000, 2_000);
        assertEquals(1_000, w.at(2_000), "the minimum over the partitions");
        w.delivered("pod-restarts-0", 60_000, 3_000);
        assertEquals(50_000, w.at(3_000));
        assertEquals(60_000, w.at(32_500), "memory silent for 30 s: idle, no longer holding back");
        assertEquals(InputWatermark.IDLE, w.at(40_000), "every partition idle: nothing held back");
        w.delivered("proxmox-memory-0", 55_000, 41_000);
        assertEquals(55_000, w.at(41_000), "delivering again: counts again");
    }

    @Test
    void aPartitionNeverHeardFromHoldsBackOnlyForTheAllowanceAfterTheStart() {
        final InputWatermark w = new InputWatermark(IDLE_AFTER, HORIZON, 4, 10_000);
        w.delivered("etcd-latency-3", 7_000, 11_000);
        assertEquals(InputWatermark.NONE, w.at(20_000));
        w.delivered("etcd-latency-3", 8_000, 39_000);
        assertEquals(8_000, w.at(40_000));
    }

    @Test
    void aClockTickIsAFloor() {
        final InputWatermark w = new InputWatermark(IDLE_AFTER, HORIZON, 2, 0);
        w.delivered("pod-restarts-0", 1_000, 0);
        w.ticked(90_000);
        assertEquals(90_000, w.at(1_000), "every input up to the tick was produced");
    }

    @Test
    void liveASparsePartitionHoldsBackForTheWallClockAllowanceWhateverTheOthersDeliver() {
        final long now = A_DAY_LATER;
        final InputWatermark w = new InputWatermark(IDLE_AFTER, HORIZON, 2, now);
        w.delivered("pod-restarts-0", now - 5_000, now);
        w.delivered("proxmox-memory-0", now + 60_000, now + 1_000); // a minute ahead, not history
        assertEquals(now - 5_000, w.at(now + 1_000), "a live source a little late is waited for");
        assertEquals(now + 60_000, w.at(now + 30_000), "until it was silent for idle-after of wall clock");
    }

    @Test
    void readingHistoryASparsePartitionHoldsBackOnlyForIdleAfterOfEventTime() {
        final InputWatermark w = new InputWatermark(IDLE_AFTER, HORIZON, 2, A_DAY_LATER);
        w.delivered("pod-restarts-0", 1_000, A_DAY_LATER);
        w.delivered("proxmox-memory-0", 20_000, A_DAY_LATER);
        assertEquals(1_000, w.at(A_DAY_LATER), "within idle-after of event time: still waited for");
        w.delivered("proxmox-memory-0", 31_000, A_DAY_LATER);
        assertEquals(31_000, w.at(A_DAY_LATER),
                "the task delivered events 30 s past the restarts' newest: they have nothing older to deliver");
        w.delivered("pod-restarts-0", 32_000, A_DAY_LATER + 10);
        assertEquals(31_000, w.at(A_DAY_LATER + 10), "delivering again: counts again");
    }

    @Test
    void readingHistoryAPartitionNeverHeardFromHoldsBackForIdleAfterOfEventTime() {
        final InputWatermark w = new InputWatermark(IDLE_AFTER, HORIZON, 3, A_DAY_LATER);
        w.delivered("proxmox-memory-0", 1_000, A_DAY_LATER);
        w.delivered("etcd-latency-0", 2_000, A_DAY_LATER);
        assertEquals(InputWatermark.NONE, w.at(A_DAY_LATER), "the restarts may still deliver anything");
        w.delivered("proxmox-memory-0", 32_000, A_DAY_LATER);
        assertEquals(32_000, w.at(A_DAY_LATER), "30 s of event time read and nothing from the restarts");
    }

    @Test
    void readingHistoryAPartitionThatDeliversIsNotIdleHoweverFarTheOthersWentBeforeIt() {
        // Topic by topic: the backups were all read while the samples' topic was still empty.
        final InputWatermark w = new InputWatermark(IDLE_AFTER, HORIZON, 2, A_DAY_LATER);
        w.delivered("backup-events-0", 1_000, A_DAY_LATER);
        w.delivered("backup-events-0", 4_000_000, A_DAY_LATER);
        w.delivered("proxmox-memory-0", 2_000, A_DAY_LATER + 10);
        w.delivered("proxmox-memory-0", 3_000, A_DAY_LATER + 20);
        assertEquals(3_000, w.at(A_DAY_LATER + 20), "the samples deliver: they hold the watermark");
        w.delivered("backup-events-0", 4_000_100, A_DAY_LATER + 30);
        assertEquals(4_000_100, w.at(A_DAY_LATER + 30),
                "once the others deliver idle-after past the samples' newest after their last event, "
                        + "the samples have nothing older left");
    }

    @Test
    void readingHistoryAPartitionThatDeliversAfterTheOthersWereReadToTheirEndIsWaitedFor() {
        final InputWatermark w = new InputWatermark(IDLE_AFTER, HORIZON, 2, A_DAY_LATER);
        w.delivered("pod-restarts-0", 1_000, A_DAY_LATER);
        w.delivered("proxmox-memory-0", 600_000, A_DAY_LATER); // read to its end: ten minutes of samples
        assertEquals(InputWatermark.IDLE, w.at(A_DAY_LATER + 31_000), "both silent for idle-after of wall clock");
        // Restarts produced after the samples were read (topic by topic, a collector catching up):
        // the samples' newest was delivered before them, it promises nothing about them.
        w.delivered("pod-restarts-0", 2_000, A_DAY_LATER + 32_000);
        assertEquals(2_000, w.at(A_DAY_LATER + 32_000), "a partition that delivers holds the watermark");
        w.delivered("pod-restarts-0", 3_000, A_DAY_LATER + 33_000);
        assertEquals(3_000, w.at(A_DAY_LATER + 33_000));
    }

    @Test
    void readingHistoryAPartitionThatDeliversWhileTheOthersAreStillActiveIsWaitedFor() {
        final InputWatermark w = new InputWatermark(IDLE_AFTER, HORIZON, 2, A_DAY_LATER);
        w.delivered("pod-restarts-0", 1_000, A_DAY_LATER);
        w.delivered("proxmox-memory-0", 600_000, A_DAY_LATER + 1_000);
        w.delivered("pod-restarts-0", 2_000, A_DAY_LATER + 2_000); // produced after the samples were read
        assertEquals(2_000, w.at(A_DAY_LATER + 2_000), "the samples' newest came before this delivery");
    }

    @Test
    void whileEventsWaitForTheInventoryOnlyTheWallClockRuleApplies() {
        final InputWatermark w = new InputWatermark(IDLE_AFTER, HORIZON, 2, A_DAY_LATER);
        w.delivered("pod-restarts-0", 1_000, A_DAY_LATER);
        w.delivered("proxmox-memory-0", 40_000, A_DAY_LATER);
        assertEquals(40_000, w.at(A_DAY_LATER, true));
        assertEquals(1_000, w.at(A_DAY_LATER, false), "the restarts are waited for as live");
    }
}
