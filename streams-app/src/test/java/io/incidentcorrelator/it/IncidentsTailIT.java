package io.incidentcorrelator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.testsupport.IncidentTopic;
import io.incidentcorrelator.testsupport.Incidents;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code correlator incidents tail} against a real broker and an HTTP schema registry, with
 * revisions written the way the topology writes them: in transactions, one of them aborted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IncidentsTailIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static IncidentTopic topic;

    private static final Incident BACKUP = Incidents.incident("monit", IncidentCategory.BACKUP_IO_CONTENTION,
            "2026-02-27T02:50:07Z", 35, "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q");
    private static final Incident CRASH = Incidents.incident("prod", IncidentCategory.APP_CRASH,
            "2026-02-27T12:10:00Z", 9, "apps/api-5f7c9d8b6-abcde");
    private static final Incident RETRACTED = Incidents.incident("monit", IncidentCategory.APP_CRASH,
            "2026-02-27T02:55:00Z", 1, "monitoring/kube-state-metrics-7d9c6b8f5-x2x8q");

    @BeforeAll
    static void start() {
        topic = IncidentTopic.start();
        topic.transaction(true, revision(BACKUP, 1), revision(CRASH, 2), revision(RETRACTED, 3));
        final Incident aborted = Incident.newBuilder(Incidents.revise(BACKUP, IncidentStatus.UPDATED))
                .setSummary("ABORTED revision, never committed").build();
        topic.transaction(false, revision(aborted, 4));
        topic.transaction(true, revision(Incidents.revise(BACKUP, IncidentStatus.UPDATED), 5),
                IncidentTopic.tombstone(RETRACTED.getId(), at(6)),
                revision(Incidents.revise(CRASH, IncidentStatus.RESOLVED), 7));
    }

    @AfterAll
    static void stop() {
        if (topic != null) {
            topic.close();
        }
    }

    @Test
    void fromTheBeginningPrintsEveryCommittedRevisionAndTheDeletion() {
        final List<String> lines = tail("--from-beginning");
        assertEquals(6, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("2026-02-27 03:00:01  monit.backup-io-contention.20260227T025007Z  rev 1  OPEN"),
                lines.get(0));
        assertTrue(lines.get(0).contains("BACKUP_IO_CONTENTION  transient  pods=kube-state-metrics-7d9c6b8f5-x2x8q  "
                + BACKUP.getSummary()), lines.get(0));
        assertTrue(lines.get(1).contains("prod.app-crash.20260227T121000Z  rev 1  OPEN      APP_CRASH  to-act-on"),
                lines.get(1));
        assertTrue(lines.get(3).contains("monit.backup-io-contention.20260227T025007Z  rev 2  UPDATED"), lines.get(3));
        assertEquals("2026-02-27 03:00:06  monit.app-crash.20260227T025500Z  DELETED (retracted: its restarts now "
                + "belong to other incidents)", lines.get(4));
        assertTrue(lines.get(5).contains("rev 2  RESOLVED"), lines.get(5));
        assertFalse(String.join("\n", lines).contains("ABORTED"), "read_committed: the aborted revision is not shown");
    }

    @Test
    void withoutFromBeginningOnlyTheLastLines() {
        final List<String> lines = tail("-n", "2");
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("DELETED") && lines.get(1).contains("RESOLVED"), String.join("\n", lines));
    }

    @Test
    void jsonLinesAreContractJsonAndFiltersApplyToDeletionsToo() throws Exception {
        final List<String> lines = tail("--json", "--from-beginning", "--cluster", "monit", "--category", "app-crash");
        assertEquals(2, lines.size(), String.join("\n", lines));
        final JsonNode opened = JSON.readTree(lines.get(0));
        assertEquals(RETRACTED.getId(), opened.get("id").asText());
        assertEquals("APP_CRASH", opened.get("category").asText());
        assertEquals("2026-02-27T02:55:00Z", opened.get("windowStart").asText());
        assertEquals("{\"id\":\"monit.app-crash.20260227T025500Z\",\"deleted\":true}", lines.get(1));
    }

    @Test
    @Order(Integer.MAX_VALUE) // it adds a revision the other tests do not expect
    void followPrintsRevisionsWrittenAfterItStarted() throws Exception {
        final CompletableFuture<List<String>> followed = CompletableFuture.supplyAsync(
                () -> tail("--follow", "-n", "0", "--count", "1"));
        // The tail has no way to say it is ready; a revision written before it reached the end
        // is not in its last 0 lines either way, so write until one shows up.
        final Incident next = Incidents.revise(Incidents.revise(BACKUP, IncidentStatus.UPDATED), IncidentStatus.RESOLVED);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!followed.isDone() && System.nanoTime() < deadline) {
            topic.transaction(true, revision(next, 8));
            Thread.sleep(500);
        }
        final List<String> lines = followed.get(5, TimeUnit.SECONDS);
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("monit.backup-io-contention.20260227T025007Z  rev 3  RESOLVED"), lines.get(0));
    }

    private static List<String> tail(String... options) {
        return topic.correlator(List.of("incidents", "tail"), options);
    }

    private static ProducerRecord<String, Incident> revision(Incident incident, int second) {
        return IncidentTopic.revision(incident, at(second));
    }

    private static long at(int second) {
        return Instant.parse("2026-02-27T03:00:00Z").plusSeconds(second).toEpochMilli();
    }
}
