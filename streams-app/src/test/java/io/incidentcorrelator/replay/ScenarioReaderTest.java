package io.incidentcorrelator.replay;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.topics.Topic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScenarioReaderTest {

    private static final String RESTART = "{\"topic\": \"pod-restarts\", \"value\": {\"cluster\": \"prod\","
            + " \"namespace\": \"kube-system\", \"pod\": \"kube-scheduler-talos-cp-01\", \"container\": \"kube-scheduler\","
            + " \"restartCount\": 9, \"finishedAt\": \"2026-02-26T02:23:12Z\"}}";

    static final List<String> BUNDLED = ScenarioFiles.BUNDLED;

    @ParameterizedTest
    @FieldSource("BUNDLED")
    void everyBundledScenarioReadsWithKeysAndTimesAsTheContractSays(String scenario) throws Exception {
        List<ScenarioEvent> events = ScenarioFiles.read(scenario);

        assertEquals(ScenarioFiles.text(scenario).lines().count(), events.size());
        for (ScenarioEvent e : events) {
            assertEquals(e.topic().deriveKey(e.value()), e.key(), e.location());
            assertEquals(e.topic().eventTime(e.value()).orElse(null), e.eventTime(), e.location());
            boolean isTable = e.topic() == Topic.INVENTORY || e.topic() == Topic.STORAGE_LOCATIONS;
            assertEquals(isTable, e.eventTime() == null, e.location());
            assertEquals(scenario + ".jsonl", e.source());
        }
    }

    @ParameterizedTest
    @CsvSource({
            "backup-window-scheduler,    5, 12, 720, 1080, 5",
            "kube-state-metrics-stagger, 7,  6, 480,  480, 5",
            "oom-and-pull-failures,      5,  2, 300,  300, 5",
    })
    void countsPerTopicMatchTheFile(String scenario, int restarts, int backups, int etcd, int memory, int inventory)
            throws Exception {
        Map<String, Long> counts = ScenarioFiles.read(scenario).stream()
                .collect(Collectors.groupingBy(e -> e.topic().id(), TreeMap::new, Collectors.counting()));

        assertEquals(Map.of("pod-restarts", (long) restarts, "backup-events", (long) backups,
                "etcd-latency", (long) etcd, "proxmox-memory", (long) memory, "inventory", (long) inventory), counts);
    }

    @Test
    void keysAreDerivedPerTopic() throws Exception {
        List<ScenarioEvent> events = ScenarioFiles.read("backup-window-scheduler");

        ScenarioEvent first = events.get(0);
        assertEquals(Topic.INVENTORY, first.topic());
        assertEquals("prod/talos-cp-01", first.key());
        assertEquals(1, first.line());
        assertNull(first.eventTime());

        assertKey(events, Topic.BACKUP_EVENTS, "ruapehu/backup-nightly");
        assertKey(events, Topic.POD_RESTARTS, "prod/kube-system/kube-scheduler-talos-cp-01/kube-scheduler");
        assertKey(events, Topic.ETCD_LATENCY, "monit/talos-monitor");
        assertKey(events, Topic.PROXMOX_MEMORY, "pihanga");
        assertKey(events, Topic.PROXMOX_MEMORY, "pihanga/301");

        ScenarioEvent restart = events.stream().filter(e -> e.topic() == Topic.POD_RESTARTS).findFirst().orElseThrow();
        assertEquals(Instant.parse("2026-02-26T02:23:12Z"), restart.eventTime());
        assertEquals("CrashLoopBackOff", ((PodRestart) restart.value()).getWaitingReason());
    }

    private static void assertKey(List<ScenarioEvent> events, Topic<?> topic, String key) {
        assertTrue(events.stream().anyMatch(e -> e.topic() == topic && e.key().equals(key)),
                () -> "no " + topic.id() + " event with key " + key);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"host\": \"ruapehu\", \"phase\": \"JOB_START\", \"jobId\": \"j1\", \"upid\": \"UPID:1\", \"time\": 1772072400000} | ruapehu/j1",
            "{\"host\": \"ruapehu\", \"phase\": \"JOB_START\", \"upid\": \"UPID:1\", \"storage\": \"pbs\", \"time\": 1772072400000} | ruapehu/UPID:1",
            "{\"host\": \"ruapehu\", \"phase\": \"JOB_START\", \"storage\": \"pbs-main\", \"time\": 1772072400000}               | ruapehu/pbs-main",
            "{\"host\": \"ruapehu\", \"phase\": \"JOB_START\", \"time\": 1772072400000}                                          | ruapehu",
    })
    void backupKeysFallBackFromJobIdToUpidToStorageToHost(String value, String key) throws Exception {
        List<ScenarioEvent> events = ScenarioFiles.read("b.jsonl",
                "{\"topic\": \"backup-events\", \"value\": " + value + "}", new ArrayList<>());

        assertEquals(key, events.get(0).key());
    }

    @Test
    void givenKeyWins() throws Exception {
        String line = "{\"topic\": \"pod-restarts\", \"key\": \"custom\", \"value\": " + RESTART.substring(RESTART.indexOf("{\"cluster"));

        assertEquals("custom", ScenarioFiles.read("k.jsonl", line, new ArrayList<>()).get(0).key());
    }

    @Test
    void commentsAndBlankLinesAreSkippedButCounted() throws Exception {
        String text = "# nightly backup on ruapehu\n\n   \n  # indented comment\r\n" + RESTART + "\n\n";

        List<ScenarioEvent> events = ScenarioFiles.read("c.jsonl", text, new ArrayList<>());

        assertEquals(1, events.size());
        assertEquals(5, events.get(0).line());
        assertEquals("c.jsonl:5", events.get(0).location());
    }

    @Test
    void epochMillisAndOffsetsAndEnumVariantsAreAccepted() throws Exception {
        String text = String.join("\n",
                "{\"topic\": \"backup-events\", \"value\": {\"host\": \"ruapehu\", \"phase\": \"job-start\", \"time\": 1772071200000}}",
                "{\"topic\": \"backup-events\", \"value\": {\"host\": \"ruapehu\", \"phase\": \"Backup_End\", \"time\": \"2026-02-26T15:20:00.5+13:00\"}}");

        List<ScenarioEvent> events = ScenarioFiles.read("t.jsonl", text, new ArrayList<>());

        assertEquals(BackupPhase.JOB_START, ((BackupEvent) events.get(0).value()).getPhase());
        assertEquals(Instant.parse("2026-02-26T02:00:00Z"), events.get(0).eventTime());
        assertEquals(BackupPhase.BACKUP_END, ((BackupEvent) events.get(1).value()).getPhase());
        assertEquals(Instant.parse("2026-02-26T02:20:00.500Z"), events.get(1).eventTime());
    }

    @Test
    void inventoryLineWithStorageAndHostIsAStorageLocation() throws Exception {
        String text = "{\"topic\": \"inventory\", \"value\": {\"storage\": \"pbs-main\", \"host\": \"pihanga\"}}\n"
                + "{\"topic\": \"storage-locations\", \"value\": {\"storage\": \"local-zfs\", \"host\": \"ruapehu\"}}";

        List<ScenarioEvent> events = ScenarioFiles.read("s.jsonl", text, new ArrayList<>());

        assertEquals(Topic.STORAGE_LOCATIONS, events.get(0).topic());
        assertEquals("pbs-main", events.get(0).key());
        assertEquals(new StorageLocation("pbs-main", "pihanga"), events.get(0).value());
        assertEquals(Topic.STORAGE_LOCATIONS, events.get(1).topic());
        assertNull(events.get(1).eventTime());
    }

    @Test
    void unknownFieldsAreWarnedOncePerFieldName() throws Exception {
        String withExtras = "{\"topic\": \"pod-restarts\", \"partition\": 0, \"value\": {\"cluster\": \"prod\", \"namespace\": \"ns\","
                + " \"pod\": \"p\", \"container\": \"c\", \"restartCount\": 1, \"finishedAt\": \"2026-02-26T02:23:12Z\","
                + " \"qosClass\": \"Burstable\"}}";
        List<String> warnings = new ArrayList<>();

        List<ScenarioEvent> events = ScenarioFiles.read("u.jsonl", withExtras + "\n" + withExtras + "\n" + RESTART, warnings);

        assertEquals(3, events.size());
        assertEquals(List.of(
                "u.jsonl:1: unknown field \"partition\" ignored",
                "u.jsonl:1: pod-restarts value: unknown field \"qosClass\" ignored"), warnings);
    }

    static final List<String> BAD_LINES = List.of(
            // line | message after "bad.jsonl:N: "
            "{\"topic\": \"pod-restarts\", \"value\": {\"cluster\": \"prod\", \"namespace\": \"ns\", \"pod\": \"p\", \"container\": \"c\", \"restartCount\": 1}}"
                    + "\tpod-restarts value: missing required field \"finishedAt\"",
            "{\"topic\": \"pod-restart\", \"value\": {}}"
                    + "\tunknown topic \"pod-restart\" (expected one of pod-restarts, backup-events, etcd-latency, proxmox-memory, inventory, storage-locations)",
            "{\"topic\": \"etcd-latency\", \"value\": {\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": \"fast\", \"time\": \"2026-02-26T02:23:10Z\"}}"
                    + "\tetcd-latency value: field \"walFsyncP99Ms\": expected a number, got \"fast\"",
            "{\"topic\": \"etcd-latency\", \"value\": {\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": 2, \"time\": \"yesterday\"}}"
                    + "\tetcd-latency value: field \"time\": invalid timestamp \"yesterday\" (expected ISO-8601 like 2026-02-26T02:23:10Z)",
            "{\"topic\": \"etcd-latency\", \"value\": {\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": NaN, \"time\": 0}}"
                    + "\tetcd-latency value: field \"walFsyncP99Ms\": expected a finite number, got NaN",
            "{\"topic\": \"etcd-latency\", \"value\": {\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": -1.5, \"time\": 0}}"
                    + "\tetcd-latency value: field \"walFsyncP99Ms\": must not be negative, got -1.5",
            "{\"topic\": \"etcd-latency\", \"value\": {\"cluster\": \"prod\", \"member\": \"cp\", \"walFsyncP99Ms\": 1, \"dbSizeBytes\": -4096, \"time\": 0}}"
                    + "\tetcd-latency value: field \"dbSizeBytes\": must not be negative, got -4096",
            "{\"topic\": \"pod-restarts\", \"value\": {\"cluster\": \"prod\", \"namespace\": \"ns\", \"pod\": \"p\", \"container\": \"c\", \"restartCount\": -1, \"finishedAt\": 0}}"
                    + "\tpod-restarts value: field \"restartCount\": must not be negative, got -1",
            "{\"topic\": \"proxmox-memory\", \"value\": {\"host\": \"h\", \"memUsedBytes\": 0, \"memTotalBytes\": 0, \"time\": 0}}"
                    + "\tproxmox-memory value: field \"memTotalBytes\": must be greater than 0, got 0",
            "{\"topic\": \"proxmox-memory\", \"value\": {\"host\": \"h\", \"memUsedBytes\": 1, \"memTotalBytes\": 2, \"cpuUsage\": 55, \"time\": 0}}"
                    + "\tproxmox-memory value: field \"cpuUsage\": must be between 0 and 1.5, got 55.0",
            "{\"topic\": \"proxmox-memory\", \"value\": {\"host\": \"h\", \"memUsedBytes\": 1, \"memTotalBytes\": 2, \"ioWait\": -0.1, \"time\": 0}}"
                    + "\tproxmox-memory value: field \"ioWait\": must be between 0 and 1.5, got -0.1",
            "{\"topic\": \"proxmox-memory\", \"value\": {\"host\": \"h\", \"memUsedBytes\": 1, \"memTotalBytes\": 2, \"memPressureSomeAvg10\": 101, \"time\": 0}}"
                    + "\tproxmox-memory value: field \"memPressureSomeAvg10\": must be between 0 and 100, got 101.0",
            "{\"topic\": \"backup-events\", \"value\": {\"host\": \"h\", \"phase\": \"START\", \"time\": 0}}"
                    + "\tbackup-events value: field \"phase\": unknown symbol \"START\" (expected one of JOB_START, JOB_END, JOB_ABORT, BACKUP_START, BACKUP_END, BACKUP_ABORT, UNKNOWN)",
            "{\"value\": {}}"
                    + "\tmissing \"topic\"",
            "{\"topic\": \"inventory\"}"
                    + "\tinventory: missing \"value\"",
            "{\"topic\": \"inventory\", \"value\": \"talos-cp-01\"}"
                    + "\tinventory: \"value\" must be a JSON object, got \"talos-cp-01\"",
            "{\"topic\": \"inventory\", \"key\": 7, \"value\": {\"cluster\": \"prod\", \"node\": \"n\", \"host\": \"h\"}}"
                    + "\t\"key\" must be a non-empty string, got 7",
            "[\"pod-restarts\"]"
                    + "\texpected a JSON object like {\"topic\": ..., \"value\": {...}}, got [\"pod-restarts\"]",
            "{\"topic\": \"inventory\", \"value\": {\"cluster\": \"prod\", \"node\": \"n\", \"host\": \"h\"}} {\"topic\": \"inventory\"}"
                    + "\tnot valid JSON: Trailing token (of type START_OBJECT) found after value",
            "{\"topic\": \"inventory\", \"topic\": \"inventory\", \"value\": {}}"
                    + "\tnot valid JSON: Duplicate field 'topic' (column 31)");

    @ParameterizedTest
    @FieldSource("BAD_LINES")
    void invalidLinesFailWithFileLineAndReason(String badLineAndMessage) {
        String[] parts = badLineAndMessage.split("\t");
        String text = "# header\n" + RESTART + "\n\n" + parts[0] + "\n" + RESTART;

        ScenarioFormatException e = assertThrows(ScenarioFormatException.class,
                () -> ScenarioFiles.read("bad.jsonl", text, new ArrayList<>()));

        assertTrue(e.getMessage().startsWith("bad.jsonl:4: " + parts[1]), e.getMessage());
        assertEquals("bad.jsonl", e.source());
        assertEquals(4, e.line());
        assertEquals(e.getMessage(), "bad.jsonl:4: " + e.reason());
    }

    @Test
    void missingRequiredFieldOnLine17() {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i < 17; i++) {
            text.append(RESTART).append('\n');
        }
        text.append(RESTART.replace(", \"finishedAt\": \"2026-02-26T02:23:12Z\"", "")).append('\n');

        ScenarioFormatException e = assertThrows(ScenarioFormatException.class,
                () -> ScenarioFiles.read("night.jsonl", text.toString(), new ArrayList<>()));

        assertEquals("night.jsonl:17: pod-restarts value: missing required field \"finishedAt\"", e.getMessage());
    }

    @Test
    void brokenJsonNamesTheProblemAndColumn() {
        ScenarioFormatException e = assertThrows(ScenarioFormatException.class,
                () -> ScenarioFiles.read("night.jsonl", "# a\n\n{\"topic\": pod-restarts}", new ArrayList<>()));

        assertEquals("night.jsonl:3: not valid JSON: Unrecognized token 'pod': was expecting (JSON String,"
                + " Number (or 'NaN'/'+INF'/'-INF'), Array, Object or token 'null', 'true' or 'false') (column 11)",
                e.getMessage());
    }

    @Test
    void skipInvalidWarnsWithTheSameTextAndKeepsTheRest() throws Exception {
        String text = String.join("\n",
                RESTART,
                "{\"topic\": \"pod-restart\", \"value\": {}}",
                "not json",
                RESTART.replace("\"restartCount\": 9", "\"restartCount\": 10"));
        List<String> warnings = new ArrayList<>();

        List<ScenarioEvent> events = new ScenarioReader(true, warnings::add).read("x.jsonl", new StringReader(text));

        assertEquals(List.of(1, 4), events.stream().map(ScenarioEvent::line).toList());
        assertEquals(2, warnings.size());
        assertTrue(warnings.get(0).startsWith("x.jsonl:2: unknown topic \"pod-restart\" (expected one of"), warnings.get(0));
        assertTrue(warnings.get(1).startsWith("x.jsonl:3: not valid JSON: Unrecognized token 'not'"), warnings.get(1));
    }

    @Test
    void readsAFileNamedAsGiven(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("night.jsonl");
        Files.writeString(file, "\uFEFF" + RESTART + "\n{\"topic\": \"pod-restarts\", \"value\": {}}\n");

        ScenarioFormatException e = assertThrows(ScenarioFormatException.class, () -> new ScenarioReader().read(file));

        assertEquals(file + ":2: pod-restarts value: missing required field \"cluster\"", e.getMessage());
        assertNotNull(new ScenarioReader(true, w -> { }).read(file).get(0));
    }

    @Test
    void timesThePipelineAndKafkaWouldRefuseAreLineErrors() throws Exception {
        // The line's finishedAt is 2026-02-26T02:23:12Z; the clock is put around it.
        final java.util.function.Function<String, ScenarioReader> at = now -> new ScenarioReader(false, w -> { },
                java.time.Clock.fixed(Instant.parse(now), java.time.ZoneOffset.UTC));
        assertEquals(1, at.apply("2026-02-26T02:10:00Z").read("t.jsonl", new StringReader(RESTART)).size(),
                "13 min ahead: a clock skew the pipeline allows");
        final ScenarioFormatException ahead = assertThrows(ScenarioFormatException.class,
                () -> at.apply("2026-02-26T02:00:00Z").read("t.jsonl", new StringReader("\n" + RESTART)));
        assertEquals("t.jsonl:2: pod-restarts value: time 2026-02-26T02:23:12Z is more than 15 min ahead of this "
                + "machine's clock (2026-02-26T02:00:00Z): the pipeline takes it for a wrong clock", ahead.getMessage());
        final ScenarioFormatException farAhead = assertThrows(ScenarioFormatException.class,
                () -> at.apply("2026-02-26T00:00:00Z").read("t.jsonl", new StringReader(RESTART)));
        assertTrue(farAhead.getMessage().endsWith("and Kafka brokers reject records more than 1 h ahead"),
                farAhead.getMessage());
        final ScenarioFormatException before1970 = assertThrows(ScenarioFormatException.class,
                () -> at.apply("2026-02-26T02:00:00Z").read("t.jsonl", new StringReader(
                        RESTART.replace("2026-02-26T02:23:12Z", "1969-12-31T23:59:59Z"))));
        assertEquals("t.jsonl:1: pod-restarts value: time 1969-12-31T23:59:59Z is before 2000: not a real event time "
                + "(and before 1970, which Kafka cannot store)", before1970.getMessage());
    }
}
