package io.incidentcorrelator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.Evidence;
import io.incidentcorrelator.avro.EvidenceKind;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.avro.Severity;
import io.incidentcorrelator.avro.internal.ClassifiedRestart;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContractJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Incident sampleIncident() {
        return Incident.newBuilder()
                .setId("prod-backup-io-contention-20260226T0223")
                .setRevision(3)
                .setStatus(IncidentStatus.UPDATED)
                .setCategory(IncidentCategory.BACKUP_IO_CONTENTION)
                .setTransient$(true)
                .setSeverity(Severity.WARNING)
                .setConfidence(0.85)
                .setCluster("prod")
                .setHosts(List.of("ruapehu", "pihanga"))
                .setPods(List.of(
                        new PodSummary("kube-system", "kube-scheduler-talos-cp-01", "kube-scheduler", "talos-cp-01", 1, "Error", 1),
                        new PodSummary("kube-system", "kube-controller-manager-talos-cp-01", "kube-controller-manager", null, 2, null, null)))
                .setWindowStart(Instant.parse("2026-02-26T02:23:12Z"))
                .setWindowEnd(Instant.parse("2026-02-26T02:24:03.250Z"))
                .setEvidence(List.of(
                        new Evidence(EvidenceKind.BACKUP, "vzdump backup-nightly on ruapehu", null, null, null,
                                Instant.parse("2026-02-26T02:12:00Z"), "VM 211 backing up to pbs-main"),
                        new Evidence(EvidenceKind.ETCD_LATENCY, "etcd talos-cp-01", 48.5, 10.0, "ms", null, null)))
                .setContributingFactors(List.of(IncidentCategory.ETCD_DISK_LATENCY))
                .setSummary("Control-plane restarts on talos-cp-01 while ruapehu ran the nightly backup.")
                .setRecommendedActions(List.of("Move the backup window", "Limit vzdump bandwidth (bwlimit)"))
                .setClassifierVersion("test-1")
                .build();
    }

    @Test
    void incidentRoundTripIsByteIdentical() throws Exception {
        Incident incident = sampleIncident();
        String line = ContractJson.toJsonLine(incident);

        Incident back = ContractJson.fromJson(JSON.readTree(line), Incident.class);

        assertEquals(incident, back);
        assertEquals(line, ContractJson.toJsonLine(back));
        assertEquals(line, ContractJson.toJsonLine(sampleIncident()));
    }

    @Test
    void incidentJsonUsesContractNamesTimesAndEnums() {
        String line = ContractJson.toJsonLine(sampleIncident());

        assertTrue(line.startsWith("{\"id\":\"prod-backup-io-contention-20260226T0223\",\"revision\":3,"
                + "\"status\":\"UPDATED\",\"category\":\"BACKUP_IO_CONTENTION\",\"transient\":true,"), line);
        assertTrue(line.contains("\"windowStart\":\"2026-02-26T02:23:12Z\",\"windowEnd\":\"2026-02-26T02:24:03.250Z\""), line);
        assertTrue(line.contains("{\"kind\":\"BACKUP\",\"source\":\"vzdump backup-nightly on ruapehu\","
                + "\"time\":\"2026-02-26T02:12:00Z\",\"text\":\"VM 211 backing up to pbs-main\"}"), line);
        assertTrue(line.contains("{\"kind\":\"ETCD_LATENCY\",\"source\":\"etcd talos-cp-01\",\"observedValue\":48.5,"
                + "\"threshold\":10.0,\"unit\":\"ms\"}"), line);
        assertTrue(line.contains("\"contributingFactors\":[\"ETCD_DISK_LATENCY\"]"), line);
        // absent optional fields are left out rather than written as null
        assertTrue(line.contains("{\"namespace\":\"kube-system\",\"pod\":\"kube-controller-manager-talos-cp-01\","
                + "\"container\":\"kube-controller-manager\",\"restarts\":2}"), line);
        assertFalse(line.contains("\n"));
    }

    @Test
    void fieldsComeOutInSchemaOrderWhateverTheInputOrder() throws Exception {
        JsonNode shuffled = JSON.readTree("{\"time\": \"2026-02-26T02:20:00Z\", \"storage\": \"pbs-main\","
                + " \"phase\": \"JOB_START\", \"host\": \"ruapehu\"}");

        BackupEvent event = ContractJson.fromJson(shuffled, BackupEvent.class);

        assertEquals("{\"host\":\"ruapehu\",\"phase\":\"JOB_START\",\"storage\":\"pbs-main\",\"time\":\"2026-02-26T02:20:00Z\"}",
                ContractJson.toJsonLine(event));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"2026-02-26T02:23:10Z\"          | 2026-02-26T02:23:10Z",
            "\"2026-02-26T15:23:10+13:00\"     | 2026-02-26T02:23:10Z",
            "\"2026-02-26T02:23:10.123456Z\"   | 2026-02-26T02:23:10.123Z",
            "\"2026-02-26t02:23:10z\"          | 2026-02-26T02:23:10Z",
            "1772072590000                     | 2026-02-26T02:23:10Z",
            "1772072590123                     | 2026-02-26T02:23:10.123Z",
    })
    void timesAreIsoStringsOrEpochMillis(String json, String expected) throws Exception {
        PodRestart restart = ContractJson.fromJson(JSON.readTree(
                "{\"cluster\": \"prod\", \"namespace\": \"ns\", \"pod\": \"p\", \"container\": \"c\","
                        + " \"restartCount\": 1, \"finishedAt\": " + json + "}"), PodRestart.class);

        assertEquals(Instant.parse(expected), restart.getFinishedAt());
        assertTrue(ContractJson.toJsonLine(restart).contains("\"finishedAt\":\"" + expected + "\""));
    }

    @ParameterizedTest
    @CsvSource({"JOB_START, JOB_START", "job-start, JOB_START", "Job_Start, JOB_START", "backup-abort, BACKUP_ABORT"})
    void enumSymbolsIgnoreCaseAndDashes(String written, BackupPhase expected) throws Exception {
        BackupEvent event = ContractJson.fromJson(JSON.readTree(
                "{\"host\": \"h\", \"phase\": \"" + written + "\", \"time\": \"2026-02-26T02:20:00Z\"}"), BackupEvent.class);

        assertEquals(expected, event.getPhase());
    }

    @Test
    void optionalFieldsMayBeAbsentOrNullAndDoublesAcceptIntegers() throws Exception {
        EtcdLatencySample sample = ContractJson.fromJson(JSON.readTree(
                "{\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": 3, \"backendCommitP99Ms\": null,"
                        + " \"dbSizeBytes\": 6.0E7, \"time\": \"2026-02-26T02:20:00Z\"}"), EtcdLatencySample.class);

        assertEquals(3.0, sample.getWalFsyncP99Ms());
        assertNull(sample.getBackendCommitP99Ms());
        assertNull(sample.getSlowApplies());
        assertEquals(60_000_000L, sample.getDbSizeBytes());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"cluster\": \"prod\", \"member\": \"cp\", \"time\": 0}"
                    + "| missing required field \"walFsyncP99Ms\"",
            "{\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": null, \"time\": 0}"
                    + "| missing required field \"walFsyncP99Ms\"",
            "{\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": \"fast\", \"time\": 0}"
                    + "| field \"walFsyncP99Ms\": expected a number, got \"fast\"",
            "{\"cluster\": 7, \"member\": \"cp\", \"walFsyncP99Ms\": 1, \"time\": 0}"
                    + "| field \"cluster\": expected a string, got 7",
            "{\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": 1, \"slowApplies\": 1.5, \"time\": 0}"
                    + "| field \"slowApplies\": expected an integer, got 1.5",
            "{\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": 1, \"slowApplies\": 3000000000, \"time\": 0}"
                    + "| field \"slowApplies\": 3000000000 is out of range for an int",
            "{\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": 1, \"leader\": \"yes\", \"time\": 0}"
                    + "| field \"leader\": expected true or false, got \"yes\"",
            "{\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": 1, \"time\": \"yesterday\"}"
                    + "| field \"time\": invalid timestamp \"yesterday\" (expected ISO-8601 like 2026-02-26T02:23:10Z)",
            "{\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": 1, \"time\": \"2026-02-26T02:23:10\"}"
                    + "| field \"time\": invalid timestamp \"2026-02-26T02:23:10\" (expected ISO-8601 like 2026-02-26T02:23:10Z)",
            "{\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": 1, \"time\": true}"
                    + "| field \"time\": expected an ISO-8601 time or epoch milliseconds, got true",
            "[1, 2]"
                    + "| expected a JSON object, got [1,2]",
    })
    void problemsNameTheFieldAndTheExpectedType(String json, String message) throws Exception {
        JsonNode node = JSON.readTree(json);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContractJson.fromJson(node, EtcdLatencySample.class));

        assertEquals(message, e.getMessage());
    }

    @Test
    void unknownEnumSymbolListsTheAllowedOnes() throws Exception {
        JsonNode node = JSON.readTree("{\"host\": \"h\", \"phase\": \"START\", \"time\": 0}");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContractJson.fromJson(node, BackupEvent.class));

        assertEquals("field \"phase\": unknown symbol \"START\" (expected one of JOB_START, JOB_END, JOB_ABORT,"
                + " BACKUP_START, BACKUP_END, BACKUP_ABORT, UNKNOWN)", e.getMessage());
    }

    @Test
    void nestedProblemsNameThePath() throws Exception {
        JsonNode json = JSON.readTree(ContractJson.toJsonLine(sampleIncident()));
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("pods").get(1)).put("restarts", "two");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContractJson.fromJson(json, Incident.class));

        assertEquals("field \"pods[1].restarts\": expected an integer, got \"two\"", e.getMessage());
    }

    @Test
    void unknownFieldsAreIgnoredAndReported() throws Exception {
        List<String> unknown = new java.util.ArrayList<>();
        JsonNode json = JSON.readTree(ContractJson.toJsonLine(sampleIncident()));
        ((com.fasterxml.jackson.databind.node.ObjectNode) json).put("owner", "sre");
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("pods").get(0)).put("qosClass", "Burstable");
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("pods").get(1)).put("qosClass", "Burstable");

        Incident incident = ContractJson.fromJson(json, Incident.class, unknown::add);

        assertEquals(sampleIncident(), incident);
        assertEquals(List.of("pods[].qosClass", "pods[].qosClass", "owner"), unknown);
    }

    @Test
    void writingRejectsWhatJsonCannotCarry() {
        Incident incident = sampleIncident();
        incident.setConfidence(Double.NaN);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ContractJson.toJsonLine(incident));

        assertEquals("field \"confidence\": NaN cannot be written as JSON", e.getMessage());
    }

    @Test
    void sampleWithOnlyRequiredFields() throws Exception {
        MemorySample sample = ContractJson.fromJson(JSON.readTree(
                "{\"host\": \"pihanga\", \"memUsedBytes\": 1, \"memTotalBytes\": 2, \"time\": \"2026-02-26T00:00:00Z\"}"),
                MemorySample.class);

        assertEquals("{\"host\":\"pihanga\",\"memUsedBytes\":1,\"memTotalBytes\":2,\"time\":\"2026-02-26T00:00:00Z\"}",
                ContractJson.toJsonLine(sample));
    }

    @Test
    void fieldDefaultsFillAbsentFieldsAndUnionsTakeTheFirstBranchThatFits() throws Exception {
        String restart = "{\"cluster\": \"prod\", \"namespace\": \"ns\", \"pod\": \"p\", \"container\": \"c\","
                + " \"restartCount\": 1, \"finishedAt\": \"2026-02-26T02:23:12Z\"}";

        ClassifiedRestart classified = ContractJson.fromJson(JSON.readTree("{\"restart\": " + restart + "}"),
                ClassifiedRestart.class);
        CorrelationEvent tick = ContractJson.fromJson(JSON.readTree("{\"payload\": {\"time\": 0}}"), CorrelationEvent.class);
        CorrelationEvent withRestart = ContractJson.fromJson(JSON.readTree("{\"payload\": " + restart + "}"),
                CorrelationEvent.class);

        assertFalse(classified.getClassified());
        assertEquals(IncidentCategory.UNKNOWN, classified.getCategory());
        assertEquals(List.of(), classified.getEvidence());
        assertEquals(new ClockTick(Instant.EPOCH), tick.getPayload());
        assertEquals("{\"payload\":" + restart.replace(" ", "") + "}",
                ContractJson.toJsonLine(withRestart));
    }
}
