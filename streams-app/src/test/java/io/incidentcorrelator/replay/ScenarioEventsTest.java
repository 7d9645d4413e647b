package io.incidentcorrelator.replay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScenarioEventsTest {

    static final List<String> BUNDLED = ScenarioFiles.BUNDLED;

    /** What is replayed: everything but where the line came from. */
    private static List<String> replayed(List<ScenarioEvent> events) {
        return events.stream()
                .map(e -> e.topic().id() + " " + e.key() + " " + ContractJson.toJsonLine(e.value()))
                .toList();
    }

    @ParameterizedTest
    @FieldSource("BUNDLED")
    void shuffledScenarioReplaysInTheSameOrder(String scenario) throws Exception {
        List<String> lines = ScenarioFiles.lines(ScenarioFiles.text(scenario));
        Collections.shuffle(lines, new Random(42));
        String shuffled = String.join("\n", lines);

        List<ScenarioEvent> original = ScenarioEvents.orderForReplay(ScenarioFiles.read(scenario));
        List<ScenarioEvent> fromShuffled = ScenarioEvents.orderForReplay(
                ScenarioFiles.read("shuffled.jsonl", shuffled, new ArrayList<>()));

        assertNotEquals(ScenarioFiles.text(scenario), shuffled);
        assertEquals(replayed(original), replayed(fromShuffled));
    }

    @Test
    void tablesComeFirstThenEventsByTimeTopicAndKey() throws Exception {
        List<ScenarioEvent> ordered = ScenarioEvents.orderForReplay(ScenarioFiles.read("backup-window-scheduler"));

        assertEquals(List.of("agentic/agentic-01", "monit/talos-monitor", "prod/talos-cp-01", "prod/talos-worker-01",
                "prod/talos-worker-02"), ordered.subList(0, 5).stream().map(ScenarioEvent::key).toList());
        assertNull(ordered.get(4).eventTime());
        for (int i = 6; i < ordered.size(); i++) {
            ScenarioEvent before = ordered.get(i - 1);
            ScenarioEvent after = ordered.get(i);
            assertTrue(!after.eventTime().isBefore(before.eventTime()), after.location());
            if (after.eventTime().equals(before.eventTime())) {
                assertTrue(after.topic().compareTo(before.topic()) >= 0, after.location());
            }
        }
        // At 02:00:00 both hosts start the job: backup-events before etcd-latency, keys in order.
        List<String> atTwo = ordered.stream()
                .filter(e -> e.eventTime() != null && e.eventTime().equals(Instant.parse("2026-02-26T02:00:00Z")))
                .map(e -> e.topic().id() + " " + e.key())
                .distinct()
                .toList();
        assertEquals(List.of("backup-events pihanga/backup-nightly", "backup-events ruapehu/backup-nightly",
                "etcd-latency monit/talos-monitor"), atTwo.subList(0, 3));
    }

    @Test
    void exactDuplicatesAreKeptOnceAcrossFiles() throws Exception {
        List<ScenarioEvent> once = ScenarioFiles.read("oom-and-pull-failures");
        List<ScenarioEvent> twice = new ArrayList<>(once);
        twice.addAll(ScenarioFiles.read("copy.jsonl", ScenarioFiles.text("oom-and-pull-failures"), new ArrayList<>()));

        List<ScenarioEvent> ordered = ScenarioEvents.orderForReplay(twice);

        assertEquals(replayed(ScenarioEvents.orderForReplay(once)), replayed(ordered));
        // the copy kept is the same whatever the order the files were given in
        Collections.reverse(twice);
        assertEquals(ordered, ScenarioEvents.orderForReplay(twice));
    }

    @Test
    void sameKeyWithDifferentValuesIsNotADuplicate() throws Exception {
        String a = "{\"topic\": \"inventory\", \"value\": {\"cluster\": \"prod\", \"node\": \"n1\", \"host\": \"ruapehu\"}}";
        String b = "{\"topic\": \"inventory\", \"value\": {\"cluster\": \"prod\", \"node\": \"n1\", \"host\": \"pihanga\"}}";

        List<ScenarioEvent> ordered = ScenarioEvents.orderForReplay(
                ScenarioFiles.read("i.jsonl", a + "\n" + b + "\n" + a, new ArrayList<>()));

        assertEquals(List.of(2, 1), ordered.stream().map(ScenarioEvent::line).toList());
    }
}
