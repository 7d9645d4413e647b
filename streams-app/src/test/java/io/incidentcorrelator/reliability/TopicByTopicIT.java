package io.incidentcorrelator.reliability;

import io.incidentcorrelator.classify.Events;
import io.incidentcorrelator.config.CorrelatorSettings;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.runtime.InventoryWarnings;
import io.incidentcorrelator.web.WebServer;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.testsupport.CleanRun;
import io.incidentcorrelator.testsupport.InProcessCorrelator;
import io.incidentcorrelator.testsupport.IncidentTopic;
import io.incidentcorrelator.testsupport.NewestRevisions;
import io.incidentcorrelator.testsupport.PipelineRig;
import io.incidentcorrelator.testsupport.ScenarioCorpus;
import io.incidentcorrelator.testsupport.TestKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13, "order does not matter": every scenario produced topic by topic into the live topics
 * (3 partitions, natural keys) while the pipeline runs, each topic only once the app has consumed
 * the one before. The newest revision of every incident must equal a one-partition replay of the
 * same input: 0 lost, 0 extra, 0 different, nothing dead-lettered.
 *
 * <p>Inventory last: every event waits in the routing tasks' hold (events-awaiting-inventory)
 * until the inventory arrives; the app is restarted on a fresh state directory before that, so
 * the held events must come back from the changelog.
 *
 * <p>Both orders are run with {@code run}'s defaults and with the timing that made them vary: the
 * last topic is produced only after every partition of it has been silent for longer than
 * {@code idle-after}. Before the correlation waited for a kind of event that has not started while
 * history is read ({@code EventAligner}), inventory first lost that race: the restart partitions,
 * never heard from, counted as idle, the watermark ran to the end of the corpus on the evidence,
 * and the restarts came beyond the horizon (classified without their evidence: 1 different in one
 * run, 2 lost, 1 extra, 10 different in another). Before provisional restarts carried evidence only
 * a horizon ahead, inventory last gave 2 extra, 1 lost, 5 different (the newest restart of a whole
 * released hold was passed on with weeks of evidence, which moved the evidence stores' retention
 * clock past the evidence the other routing tasks released a moment later: the stores dropped it).
 * Before progress records said which kinds each routing task reads, inventory first with this
 * pause gave 1 lost, 1 extra, 1 different (the first task to read a restart moved the watermark
 * while the others still reported "idle": their first restarts, earlier, came behind it).
 * Earlier still: before the correlation's event time was kept in a store ({@code CorrelationClock})
 * rather taken from the task's stream time, inventory last gave 11 lost, 11 extra, 2 different and
 * 11,751 records dead-lettered as late.
 */
class TopicByTopicIT {

    /** {@code run}'s defaults where they make live differ from a replay. */
    private static final Map<String, String> LIVE = Map.of(
            "incident-correlator.pending-flush-after", "500ms",
            "kafka.max.task.idle.ms", "0");

    private static final List<List<Topic<?>>> INVENTORY_FIRST = List.of(
            List.of(Topic.INVENTORY, Topic.STORAGE_LOCATIONS),
            List.of(Topic.BACKUP_EVENTS),
            List.of(Topic.PROXMOX_MEMORY, Topic.ETCD_LATENCY),
            List.of(Topic.POD_RESTARTS));

    @TempDir
    static Path work;

    private static TestKafka kafka;
    private static EmbeddedSchemaRegistryServer registry;
    private static List<ScenarioEvent> events;
    private static Map<String, List<String>> replay;
    /** What the replay dead-lettered: restarts on bare-metal nodes, which no inventory record places. */
    private static long replayDeadLetters;

    @BeforeAll
    static void start() throws Exception {
        kafka = TestKafka.start();
        registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry());
        events = ScenarioCorpus.all();
    }

    /** Every revision of a one-partition replay of the corpus, run once. */
    private static Map<String, List<String>> replay() {
        if (replay == null) {
            final PipelineRig rig = new PipelineRig(kafka.bootstrapServers(), registry.url(), "ref-", 1);
            replay = CleanRun.run(rig, events, Map.of(), work.resolve("ref")).revisions();
            replayDeadLetters = rig.deadLetters();
            assertTrue(replay.size() > 10, "the replay has incidents: " + replay.size());
        }
        return replay;
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }


    @Test
    void inventoryThenBackupsThenSamplesThenRestartsGiveTheReplaysIncidents() {
        check("inventory first", run("first-", INVENTORY_FIRST, false));
    }

    @Test
    void restartsThenSamplesThenBackupsThenInventoryGiveTheReplaysIncidents() {
        final List<List<Topic<?>>> inventoryLast = new java.util.ArrayList<>(INVENTORY_FIRST);
        java.util.Collections.reverse(inventoryLast);
        check("inventory last", run("last-", inventoryLast, true));
    }

    @Test
    void whatTheInventoryNeverPlacesIsCountedAndAnInventoryWarningInIncidentsTailAndTheWebView() throws Exception {
        final PipelineRig rig = new PipelineRig(kafka.bootstrapServers(), registry.url(), "gap-", 3);
        rig.createTopics();
        final String app = "gap-app";
        final Path config = rig.writeConfig(work.resolve(app), LIVE);
        final List<ScenarioEvent> inventory = events.stream().filter(e -> e.eventTime() == null).toList();
        final List<ScenarioEvent> unplaced = List.of(
                event(Topic.PROXMOX_MEMORY, "pve-gap", Events.host("pve-gap", "03:00", 0.7, 0.3, 0.02)),
                event(Topic.PROXMOX_MEMORY, "pve-gap", Events.host("pve-gap", "03:01", 0.7, 0.3, 0.02)),
                event(Topic.POD_RESTARTS, "lab/apps/api-1/api",
                        Events.restart("lab", "api-1", "lab-w-01", "03:02").build()));
        try (InProcessCorrelator live = InProcessCorrelator.start(config, rig.bootstrap(), rig.registryUrl(), app,
                work.resolve(app + "-state"))) {
            rig.produce(inventory);
            rig.produce(unplaced);
            rig.awaitCaughtUp(app, Duration.ofMinutes(2), live::isAlive);
            rig.produceTick(Events.at("03:02"));
            rig.awaitCaughtUp(app, Duration.ofMinutes(2), live::isAlive);
        }
        final List<String> lines = IncidentTopic.correlator(List.of("incidents", "tail", "-n", "1",
                "--bootstrap-servers", rig.bootstrap(), "--schema-registry-url", rig.registryUrl(),
                "--config", config.toString()));
        assertEquals("inventory incomplete: cluster lab unknown (1 restart dead-lettered, newest 2026-02-26T03:02:00Z)",
                lines.get(0));
        assertEquals("inventory incomplete: host pve-gap unknown (2 memory samples dead-lettered, newest "
                + "2026-02-26T03:01:00Z)", lines.get(1));
        assertEquals(3, lines.size(), "and the restart's incident, still correlated: " + lines);
        assertTrue(lines.get(2).contains("lab.app-crash."), lines.get(2));

        // The web view's banner reads the same.
        try (WebServer web = WebServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             InventoryWarnings warnings = new InventoryWarnings(rig.bootstrap(), rig.names().deadLetter(), Map.of())) {
            warnings.catchUp(Duration.ofSeconds(30));
            web.showInventoryWarnings(warnings, rig.names());
            final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + web.port() + "/api/inventory-warnings")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("\"text\":\"" + lines.get(1) + "\""), r.body());
            assertTrue(r.body().contains("\"reason\":\"unknown-cluster\",\"subject\":\"lab\""), r.body());
        }
    }

    private static ScenarioEvent event(Topic<?> topic, String key, org.apache.avro.specific.SpecificRecord value) {
        return new ScenarioEvent(topic, key, value, topic.eventTime(value).orElseThrow(), "TopicByTopicIT", 0);
    }

    private record Outcome(NewestRevisions comparison, long deadLetters, long lateDeadLetters) {
    }

    private Outcome run(String prefix, List<List<Topic<?>>> order, boolean restartBeforeLastTopic) {
        final PipelineRig rig = new PipelineRig(kafka.bootstrapServers(), registry.url(), prefix, 3);
        rig.createTopics();
        final String app = prefix + "app";
        final Path config = rig.writeConfig(work.resolve(app), LIVE);
        InProcessCorrelator live = InProcessCorrelator.start(config, rig.bootstrap(), rig.registryUrl(), app,
                work.resolve(app + "-state-0"));
        try {
            for (int i = 0; i < order.size(); i++) {
                if (restartBeforeLastTopic && i == order.size() - 1) {
                    // A fresh state directory: what is held comes back from the changelog only.
                    live.close();
                    live = InProcessCorrelator.start(config, rig.bootstrap(), rig.registryUrl(), app,
                            work.resolve(app + "-state-1"));
                }
                if (i == order.size() - 1) {
                    // The timing that made the outcome vary: every partition of the topics still to
                    // come has been silent for longer than idle-after when they start.
                    pause(CorrelatorSettings.IDLE_AFTER.defaultParsed().plusSeconds(2));
                }
                final List<Topic<?>> topics = order.get(i);
                rig.produce(events.stream().filter(e -> topics.contains(e.topic())).toList());
                rig.awaitCaughtUp(app, Duration.ofMinutes(4), live::isAlive);
            }
            rig.produceTick(events.stream().map(ScenarioEvent::eventTime).filter(t -> t != null)
                    .max(Instant::compareTo).orElseThrow());
            rig.awaitCaughtUp(app, Duration.ofMinutes(2), live::isAlive);
        } finally {
            live.close();
        }
        return new Outcome(NewestRevisions.compare(replay(), rig.committedRevisions()), rig.deadLetters(),
                rig.lateDeadLetters());
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void check(String run, Outcome outcome) {
        System.out.printf("%s: %d incidents in the replay, %s; %d dead letters (the replay: %d), %d of them late%n",
                run, PipelineRig.newest(replay()).size(), outcome.comparison(), outcome.deadLetters(),
                replayDeadLetters, outcome.lateDeadLetters());
        assertEquals(List.of(), outcome.comparison().problems(), run);
        assertEquals(0, outcome.lateDeadLetters(), run + ": dead-lettered as late");
        assertEquals(replayDeadLetters, outcome.deadLetters(), run + ": dead letters, as many as the replay's");
    }
}
