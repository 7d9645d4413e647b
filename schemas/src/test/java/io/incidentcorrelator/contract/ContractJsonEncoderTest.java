package io.incidentcorrelator.contract;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.NodePlacement;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ContractJsonEncoderTest {

    @Test
    void writesContractJsonInSchemaOrderWithoutAbsentFields() {
        final BackupEvent event = BackupEvent.newBuilder().setHost("ruapehu").setPhase(BackupPhase.JOB_START)
                .setStorage("pbs-main").setTime(Instant.parse("2026-02-26T02:20:00.000Z")).build();
        assertEquals("{\"host\":\"ruapehu\",\"phase\":\"JOB_START\",\"storage\":\"pbs-main\",\"time\":\"2026-02-26T02:20:00Z\"}",
                ContractJsonEncoder.toJsonLine(event));
        assertEquals("{\"topic\":\"backup-events\",\"key\":\"ruapehu/pbs-main\",\"value\":{\"host\":\"ruapehu\","
                + "\"phase\":\"JOB_START\",\"storage\":\"pbs-main\",\"time\":\"2026-02-26T02:20:00Z\"}}",
                ContractJsonEncoder.scenarioLine("backup-events", "ruapehu/pbs-main", event));
        assertEquals("{\"topic\":\"inventory\",\"value\":{\"cluster\":\"prod\",\"node\":\"talos-cp-01\",\"host\":\"ruapehu\"}}",
                ContractJsonEncoder.scenarioLine("inventory", null, new NodePlacement("prod", "talos-cp-01", "ruapehu", null, null)));
    }

    @Test
    void millisecondsAndDoublesAreWrittenStably() {
        final MemorySample sample = MemorySample.newBuilder().setHost("ruapehu").setVmid(201)
                .setMemUsedBytes(118383054848L).setMemTotalBytes(134850203648L).setCpuUsage(0.1 + 0.2)
                .setTime(Instant.parse("2026-02-26T02:23:12.345678Z")).build();
        assertEquals("{\"host\":\"ruapehu\",\"vmid\":201,\"memUsedBytes\":118383054848,\"memTotalBytes\":134850203648,"
                + "\"cpuUsage\":0.30000000000000004,\"time\":\"2026-02-26T02:23:12.345Z\"}", ContractJsonEncoder.toJsonLine(sample));
        sample.setCpuUsage(Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> ContractJsonEncoder.toJsonLine(sample));
    }
}
