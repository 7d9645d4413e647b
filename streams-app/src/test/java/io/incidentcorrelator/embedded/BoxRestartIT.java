package io.incidentcorrelator.embedded;

import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.testsupport.CleanRun;
import io.incidentcorrelator.testsupport.CorrelatorProcess;
import io.incidentcorrelator.testsupport.PipelineRig;
import io.incidentcorrelator.testsupport.ScenarioCorpus;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, the persistent box: {@code bin/correlator run --embedded --data-dir DIR} as separate OS processes on the
 * packaged jar. Collectors in another process (this test) reach its broker and its HTTP schema registry; the box is
 * SIGKILLed in the middle of processing and started again on the same directory and addresses. Nothing is lost: the
 * schema ids, the events, the committed offsets; and no incident is re-emitted under a new id or as a spurious
 * revision: the incidents topic ends exactly as an undisturbed run's.
 */
class BoxRestartIT {

    private static final String APP = "box-under-test";
    private static final String RUNNING = "REBALANCING → RUNNING";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    @AfterEach
    void cleanUp() {
        CorrelatorProcess.killAll();
    }

    @Test
    void aKilledBoxRestartedOnItsDataDirLosesNothingAndRepeatsNothing() throws Exception {
        final List<ScenarioEvent> events = ScenarioCorpus.read(ScenarioCorpus.BUNDLED);
        final Path dataDir = work.resolve("box");
        final Path logs = CorrelatorProcess.logDir("BoxRestartIT");
        final Path config = new PipelineRig("unused:1", "mock://box-config", "box-", 1).writeConfig(work, Map.of());

        final CorrelatorProcess first = startBox("box-1", logs, dataDir, "127.0.0.1:0", "127.0.0.1:0", config);
        final String bootstrap = first.awaitLogValue("run: broker listening on", Duration.ofMinutes(2));
        final String registryUrl = first.awaitLogValue("run: schema registry listening on", Duration.ofMinutes(1));
        assertTrue(first.awaitLog(RUNNING, Duration.ofMinutes(2)), first.logTail(40));
        final PipelineRig rig = new PipelineRig(bootstrap, registryUrl, "box-", 3);
        keepEverything(rig);

        // The reference: the same events through an undisturbed pipeline on topics of its own, in the same box.
        final Map<String, List<String>> expected = CleanRun.revisions(bootstrap, registryUrl, events, 1, Map.of(), work);
        assertTrue(!expected.isEmpty(), "the scenarios make incidents");

        final int half = events.size() / 2;
        rig.produce(events.subList(0, half));
        final long firstHalfInputs = rig.inputRecords();
        final Map<String, String> schemas = registeredSchemas(registryUrl);
        assertTrue(schemas.size() >= 5, "the collectors' schemas are in the box's registry: " + schemas.keySet());
        first.awaitConsumed(rig, APP, firstHalfInputs / 3);
        final long consumedAtKill = rig.consumedInputRecords(APP);
        first.kill();
        System.out.printf("box killed with %d of %d first-half input records consumed%n", consumedAtKill, firstHalfInputs);

        final CorrelatorProcess second = startBox("box-2", logs, dataDir, bootstrap, hostPort(registryUrl), config);
        assertEquals(bootstrap, second.awaitLogValue("run: broker listening on", Duration.ofMinutes(2)));
        assertEquals(registryUrl, second.awaitLogValue("run: schema registry listening on", Duration.ofMinutes(1)));
        // The first box may have registered more (its own output's schemas) after the snapshot: each of those was
        // written before its id was handed out, so it is there too; what was there must be there unchanged.
        assertSameIds(schemas, registeredSchemas(registryUrl));
        assertEquals(firstHalfInputs, rig.inputRecords(), "the events on the box's topics survived the kill");
        assertTrue(rig.consumedInputRecords(APP) >= consumedAtKill, "the committed offsets survived the kill");

        System.out.println("after the restart" + rig.openTransactions());
        final Instant last = rig.produce(events.subList(half, events.size()));
        assertEquals(rig.countByTopic(events), rig.eventTopicRecords(), "every event on its topic exactly once");
        try {
            rig.awaitCaughtUp(APP, Duration.ofMinutes(3), second::isAlive);
        } catch (AssertionError stalled) {
            throw new AssertionError(stalled.getMessage() + "\nthe restarted box's log ends:\n" + second.logTail(25),
                    stalled);
        }
        rig.produceTick(last);
        rig.awaitCaughtUp(APP, Duration.ofMinutes(1), second::isAlive);
        assertSameIds(schemas, registeredSchemas(registryUrl));
        // Read while the box, and so its broker, is still up.
        final Map<String, List<String>> actual = rig.committedRevisions();
        second.stop();

        // Live, how many revisions lead to an incident's answer depends on when each topic's records
        // reach the task (a restart classified alone, or together with the next one); the answer does
        // not. So the kill must leave the same incidents, each ending in the same revision content, and
        // no revision number twice (a re-emitted revision after the restart).
        assertEquals(List.of(), CleanRun.differences(newest(expected), newest(actual)),
                "the newest revision of every incident of the killed and restarted box");
        actual.forEach((id, revisions) -> assertEquals(revisions.size(),
                revisions.stream().map(BoxRestartIT::revisionNumber).distinct().count(),
                "a revision of " + id + " emitted twice: " + revisions));
    }

    private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+),");

    private static Map<String, List<String>> newest(Map<String, List<String>> revisions) {
        final Map<String, List<String>> out = new TreeMap<>();
        revisions.forEach((id, list) -> out.put(id,
                List.of(REVISION.matcher(list.get(list.size() - 1)).replaceFirst(""))));
        return out;
    }

    private static String revisionNumber(String revision) {
        final Matcher m = REVISION.matcher(revision);
        return m.find() ? m.group(1) : revision;
    }

    @Test
    void aDataDirOfAnotherClusterIsOneClearErrorAndNothingIsWritten() throws Exception {
        final Path dataDir = work.resolve("box");
        final Path logs = CorrelatorProcess.logDir("BoxRestartIT");
        final CorrelatorProcess first = startBox("foreign-1", logs, dataDir, "127.0.0.1:0", "127.0.0.1:0", null);
        assertTrue(first.awaitLog("run: schema registry listening on", Duration.ofMinutes(2)), first.logTail(40));
        first.stop();
        final Path boxFile = dataDir.resolve("box.properties");
        final String original = Files.readString(boxFile);
        Files.writeString(boxFile, "cluster.id=AAAAAAAAAAAAAAAAAAAAAA\n");

        final CorrelatorProcess second = startBox("foreign-2", logs, dataDir, "127.0.0.1:0", "127.0.0.1:0", null);
        assertNotEquals(0, second.await(120));
        final List<String> errors = Files.readAllLines(second.log()).stream()
                .filter(l -> l.startsWith("correlator:")).toList();
        assertEquals(1, errors.size(), second.logTail(30));
        assertTrue(errors.get(0).contains("belongs to cluster id") && errors.get(0).contains("AAAAAAAAAAAAAAAAAAAAAA"),
                errors.get(0));
        assertEquals("cluster.id=AAAAAAAAAAAAAAAAAAAAAA\n", Files.readString(boxFile), "the box file is left as it was");
        assertTrue(original.contains("cluster.id="), original);
    }

    private static CorrelatorProcess startBox(String name, Path logs, Path dataDir, String broker, String registry,
                                              Path config) throws IOException {
        // The addresses are read from the log: it must be this run's only.
        Files.deleteIfExists(logs.resolve(name + ".log"));
        final List<String> args = new ArrayList<>(List.of("run", "--embedded", "--data-dir", dataDir.toString(),
                "--broker-listen", broker, "--registry-listen", registry, "--application-id", APP));
        if (config != null) {
            args.addAll(List.of("--config", config.toString()));
        }
        // The brokers' coordinators at INFO: if a restarted box cannot read its committed offsets, the
        // log says which transaction or coordinator load it waits for. The controller's fencing of its
        // own broker (a starved JVM misses its heartbeats; every leader and coordinator moves) and the
        // broker's side of it, and Kafka Streams' tasks: which one never finished restoring or starting.
        return CorrelatorProcess.startPackaged(name, logs, Map.of("JAVA_OPTS", "-Xmx384m"
                + " -Dorg.slf4j.simpleLogger.log.kafka.coordinator.transaction=info"
                + " -Dorg.slf4j.simpleLogger.log.org.apache.kafka.coordinator=info"
                + " -Dorg.slf4j.simpleLogger.log.org.apache.kafka.controller.ReplicationControlManager=info"
                + " -Dorg.slf4j.simpleLogger.log.org.apache.kafka.server.BrokerLifecycleManager=info"
                + " -Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals=info"),
                args.toArray(String[]::new));
    }

    /**
     * The scenarios' records carry event times months in the past and brokers delete by record time; an operator
     * backfilling old history would do the same.
     */
    private static void keepEverything(PipelineRig rig) throws Exception {
        final List<String> topics = new ArrayList<>(rig.names().eventTopics());
        topics.add(rig.names().clock());
        topics.add(rig.names().deadLetter());
        final Map<ConfigResource, Collection<AlterConfigOp>> changes = new LinkedHashMap<>();
        for (String topic : topics) {
            changes.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "-1"), AlterConfigOp.OpType.SET)));
        }
        try (Admin admin = rig.admin()) {
            admin.incrementalAlterConfigs(changes).all().get(3, TimeUnit.MINUTES);
        }
    }

    /** Subject → its versions as the registry's REST API lists them (each with its id and schema). */
    private static Map<String, String> registeredSchemas(String registryUrl) throws IOException, InterruptedException {
        final Map<String, String> out = new TreeMap<>();
        final String subjects = get(registryUrl + "/subjects");
        for (String subject : subjects.replaceAll("[\\[\\]\"]", "").split(",")) {
            if (subject.isBlank()) {
                continue;
            }
            final StringBuilder versions = new StringBuilder();
            for (String v : get(registryUrl + "/subjects/" + subject + "/versions").replaceAll("[\\[\\]]", "").split(",")) {
                versions.append(get(registryUrl + "/subjects/" + subject + "/versions/" + v.trim())).append('\n');
            }
            out.put(subject, versions.toString());
        }
        return out;
    }

    private static void assertSameIds(Map<String, String> before, Map<String, String> after) {
        before.forEach((subject, versions) -> assertEquals(versions, after.get(subject), subject + " kept its versions and ids"));
    }

    private static String get(String url) throws IOException, InterruptedException {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        return response.body();
    }

    private static String hostPort(String url) {
        return URI.create(url).getAuthority();
    }
}
