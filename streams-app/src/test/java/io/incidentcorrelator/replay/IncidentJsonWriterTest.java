package io.incidentcorrelator.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.avro.Incident;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IncidentJsonWriterTest {

    @Test
    void writesOneIncidentPerLineInContractJson() throws Exception {
        Incident first = ContractJsonTest.sampleIncident();
        Incident second = ContractJsonTest.sampleIncident();
        second.setRevision(4);
        StringWriter out = new StringWriter();

        try (IncidentJsonWriter writer = new IncidentJsonWriter(out)) {
            writer.writeAll(List.of(first, second));
        }

        String[] lines = out.toString().split("\n", -1);
        assertEquals(3, lines.length);
        assertEquals("", lines[2]);
        assertEquals(IncidentJsonWriter.toLine(first), lines[0]);
        assertTrue(lines[1].startsWith("{\"id\":\"prod-backup-io-contention-20260226T0223\",\"revision\":4,"), lines[1]);
        var json = new ObjectMapper().readTree(lines[1]);
        assertEquals("2026-02-26T02:23:12Z", json.get("windowStart").textValue());
        assertEquals("BACKUP_IO_CONTENTION", json.get("category").textValue());
        assertEquals("kube-scheduler-talos-cp-01", json.get("pods").get(0).get("pod").textValue());
    }
}
