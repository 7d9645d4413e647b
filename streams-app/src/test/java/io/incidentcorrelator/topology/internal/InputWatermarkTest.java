package io.incidentcorrelator.topology.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InputWatermarkTest {

    private static final Duration IDLE_AFTER = Duration.ofSeconds(30);

    @Test
    void theSlowestPartitionHoldsTheWatermarkUntilItIsIdle() {
        final InputWatermark w = new InputWatermark(IDLE_AFTER, 2, 0);
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
        final InputWatermark w = new InputWatermark(IDLE_AFTER, 4, 10_000);
        w.delivered("etcd-latency-3", 7_000, 11_000);
        assertEquals(InputWatermark.NONE, w.at(20_000));
        w.delivered("etcd-latency-3", 8_000, 39_000);
        assertEquals(8_000, w.at(40_000));
    }

    @Test
    void aClockTickIsAFloor() {
        final InputWatermark w = new InputWatermark(IDLE_AFTER, 2, 0);
        w.delivered("pod-restarts-0", 1_000, 0);
        w.ticked(90_000);
        assertEquals(90_000, w.at(1_000), "every input up to the tick was produced");
    }
}
