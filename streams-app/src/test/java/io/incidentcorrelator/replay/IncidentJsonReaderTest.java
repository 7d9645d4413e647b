package io.incidentcorrelator.replay;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.testsupport.Incidents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IncidentJsonReaderTest {

    private static final Incident CRASH = Incidents.incident("prod", IncidentCategory.APP_CRASH,
            "2026-02-27T12:10:00Z", 9, "apps/api-1");
    private static final Incident BACKUP = Incidents.incident("monit", IncidentCategory.BACKUP_IO_CONTENTION,
            "2026-02-27T02:50:07Z", 35, "monitoring/ksm-1");

    @Test
    void readsTailOutputAsTheTopicWouldHoldIt(@TempDir Path dir) throws Exception {
        final Incident resolved = Incidents.revise(CRASH, IncidentStatus.RESOLVED);
        final Path file = Files.write(dir.resolve("tail.jsonl"), List.of(
                "# incidents tail --json",
                ContractJson.toJsonLine(CRASH),
                ContractJson.toJsonLine(resolved),
                ContractJson.toJsonLine(CRASH), // an older revision read later does not win
                "",
                ContractJson.toJsonLine(BACKUP),
                IncidentJsonReader.tombstoneLine(BACKUP.getId())));

        assertEquals(List.of(resolved), IncidentJsonReader.read(file));
    }

    @Test
    void replayOutputComesBackSortedLikeReplayWritesIt(@TempDir Path dir) throws Exception {
        final Path file = Files.write(dir.resolve("replay.jsonl"),
                List.of(ContractJson.toJsonLine(CRASH), ContractJson.toJsonLine(BACKUP)));
        assertEquals(List.of(BACKUP, CRASH), IncidentJsonReader.read(file));
    }

    @Test
    void aBadLineNamesFileAndLine(@TempDir Path dir) throws Exception {
        final Path file = Files.write(dir.resolve("bad.jsonl"), List.of(ContractJson.toJsonLine(CRASH), "{\"id\": \"x\"}"));
        final ScenarioFormatException e = assertThrows(ScenarioFormatException.class, () -> IncidentJsonReader.read(file));
        assertEquals(file + ":2: incident: missing required field \"revision\"", e.getMessage());
    }
}
