package io.incidentcorrelator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.incidentcorrelator.it.ReplayCommandIT.correlator;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user tuning a threshold: replay a night with the deployed configuration, then again with
 * a shorter backup cool-down, and see what the change does to its incidents.
 */
class ReplayCompareIT {

    private static final String BACKUP_ID = "monit.backup-io-contention.20260227T025007Z";

    @Test
    void aShorterBackupCoolDownMovesTheLastRestartOutOfTheBackupIncident(@TempDir Path dir) throws Exception {
        final String scenario = AcceptanceScenarios.bundled().stream()
                .filter(p -> p.getFileName().toString().equals("kube-state-metrics-stagger.jsonl"))
                .findFirst().orElseThrow().toString();
        final Path before = dir.resolve("before.jsonl");
        final ReplayCommandIT.Result deployed = correlator(dir, "replay", "--quiet", "--out", before.toString(), scenario);
        assertEquals(0, deployed.exitCode(), deployed.stderr());

        final Path after = dir.resolve("after.jsonl");
        final ReplayCommandIT.Result tuned = correlator(dir, Map.of("INCIDENT_CORRELATOR_BACKUP_COOL_DOWN", "1m"),
                "replay", "--quiet", "--compare", before.toString(), "--json", "--out", after.toString(), scenario);
        assertEquals(0, tuned.exitCode(), tuned.stderr());

        final JsonNode report = new ObjectMapper().readTree(tuned.stdout());
        assertEquals(2, report.get("before").asInt(), tuned.stdout());
        JsonNode shrunk = null;
        JsonNode split = null;
        for (JsonNode change : report.get("changes")) {
            if (change.get("kind").asText().equals("CHANGED") && change.get("before").get("id").asText().equals(BACKUP_ID)) {
                shrunk = change;
            }
            if (change.get("kind").asText().equals("APPEARED") && change.has("related")) {
                split = change;
            }
        }
        assertTrue(shrunk != null && shrunk.get("fields").toString().contains("restarts"), tuned.stdout());
        assertTrue(split != null, "the restart that left the backup incident: " + tuned.stdout());
        assertEquals(BACKUP_ID, split.get("related").get("id").asText());
        assertFalse(split.get("after").get("category").asText().equals("BACKUP_IO_CONTENTION"), tuned.stdout());

        // The same comparison from the two files, as text.
        final ReplayCommandIT.Result diff = correlator(dir, "diff", before.toString(), after.toString());
        assertEquals(0, diff.exitCode(), diff.stderr());
        assertTrue(diff.stdout().startsWith("2 incidents before, 3 after: 0 reclassified, 1 changed, 1 appeared, "
                + "0 disappeared, 1 unchanged"), diff.stdout());
        assertTrue(diff.stdout().contains("    its restarts were in " + BACKUP_ID + " (BACKUP_IO_CONTENTION) before"),
                diff.stdout());

        final ReplayCommandIT.Result same = correlator(dir, "diff", before.toString(), before.toString());
        assertTrue(same.stdout().endsWith("No differences.\n"), same.stdout());
        final ReplayCommandIT.Result missing = correlator(dir, "diff", before.toString(), dir.resolve("nope.jsonl").toString());
        assertEquals(2, missing.exitCode());
        assertTrue(Files.notExists(dir.resolve("nope.jsonl")) && missing.stderr().contains("nope.jsonl: no such file"),
                missing.stderr());
    }
}
