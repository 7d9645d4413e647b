package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.embedded.EmbeddedKafkaBroker;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.testsupport.CorrelatorProcess;
import io.incidentcorrelator.testsupport.HttpAwait;
import io.incidentcorrelator.testsupport.IncidentExpectations;
import io.incidentcorrelator.testsupport.PipelineHarness;
import io.incidentcorrelator.testsupport.RestartableBroker;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A history fed into the topics {@code bin/correlator run} created, stamped with event times older than the broker's
 * retention (a backfill of last winter on a box that keeps a month), waits there for the pipeline: here the pipeline
 * is stopped while it arrives, the broker runs its retention checks, and the pipeline, started again, correlates all
 * of it. Until {@code run} created its input topics stamped on arrival, the broker deleted such a history at its next
 * check, read or not, and the pipeline came back to empty topics; the control topic below, created as they were,
 * shows that the checks ran and would have.
 */
class RunKeepsOldHistoryIT {

    private static final String SCENARIO = "backup-window-scheduler";
    private static final String APP = "old-history-it";
    /** The box's retention (EmbeddedBox), checked every half second instead of every five minutes. */
    private static final Map<String, String> BROKER = Map.of("log.retention.hours", String.valueOf(30 * 24),
            "log.retention.check.interval.ms", "500", "log.initial.task.delay.ms", "500");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @TempDir
    Path work;

    @AfterEach
    void stopChildren() {
        CorrelatorProcess.killAll();
    }

    @Test
    void aHistoryOlderThanTheRetentionWaitsForTheStoppedPipelineAndIsCorrelated() throws Exception {
        final List<ScenarioEvent> events = PipelineHarness.scenario(SCENARIO);
        final Instant newest = events.stream().map(ScenarioEvent::eventTime).filter(t -> t != null)
                .max(Instant::compareTo).orElseThrow();
        assertTrue(newest.isBefore(Instant.now().minus(Duration.ofDays(31))), "the history is older than the retention");
        final CorrelatorConfig config = CorrelatorConfig.defaults().withTopics(TopicNames.defaults().withPrefix("old-"))
                .withPendingFlushAfter(Duration.ZERO);
        final TopicNames names = config.topics();
        final Path settings = Files.writeString(work.resolve("correlator.properties"), String.join("\n",
                "incident-correlator.topic-prefix=old-",
                "incident-correlator.pending-flush-after=0s",
                "kafka.max.task.idle.ms=500",
                // The first run does not leave the group on SIGTERM: the second waits out its session, 6 s, not 45.
                "kafka.session.timeout.ms=6000",
                "kafka.heartbeat.interval.ms=1000",
                // Streams' window-store changelogs go by event time too; this run restores nothing, but keep them.
                "kafka.windowstore.changelog.additional.retention.ms=" + Duration.ofDays(3650).toMillis(), ""));
        final Path logs = CorrelatorProcess.logDir("RunKeepsOldHistoryIT");

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults()
                .withBrokerProperties(BROKER));
             EmbeddedSchemaRegistryServer registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry())) {
            final String bootstrap = broker.bootstrapServers();
            final Topics topics = Pipeline.topics(config, SchemaRegistries.forUrl(registry.url(), Map.of()));
            final PipelineHarness harness = new PipelineHarness(bootstrap, Map.of(), names, topics);
            final String[] run = {"run", "--bootstrap-servers", bootstrap, "--schema-registry-url", registry.url(),
                    "--application-id", APP, "--state-dir", work.resolve("state").toString(),
                    "--config", settings.toString(), "--partitions", "1"};

            // The first start creates the topics; then the pipeline is down (an upgrade, a crash loop) while the
            // history arrives.
            final CorrelatorProcess first = start("run-1", logs, run);
            first.stop();
            final String control = "control-" + names.podRestarts();
            try (Admin admin = harness.admin()) {
                admin.createTopics(List.of(new NewTopic(control, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            final Instant last = harness.produce(events, events.size(), List.of());
            harness.tick(last, config);
            final List<ProducerRecord<String, byte[]>> restarts = new ArrayList<>();
            for (ScenarioEvent e : events) {
                if (e.topic() == Topic.POD_RESTARTS) {
                    restarts.add(new ProducerRecord<>(control, null, e.eventTime().toEpochMilli(), e.key(),
                            topics.serialize(e.topic(), e.value())));
                }
            }
            harness.send(restarts);

            await("the broker's retention check to delete the control topic's history").atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        final Map<String, long[]> c = startAndEnd(harness, List.of(control));
                        return c.get(control)[0] == c.get(control)[1] && c.get(control)[1] == restarts.size();
                    });
            final List<String> inputs = new ArrayList<>(names.eventTopics());
            inputs.add(names.clock());
            final Map<String, long[]> kept = startAndEnd(harness, inputs);
            kept.forEach((topic, offsets) -> {
                assertEquals(0, offsets[0], topic + ": nothing deleted, its log starts at 0 (ends at " + offsets[1] + ")");
                assertTrue(offsets[1] > 0, topic + " holds the history");
            });

            final CorrelatorProcess second = start("run-2", logs, run);
            harness.awaitConsumed(APP, Duration.ofSeconds(120));
            assertEquals(List.of(), IncidentExpectations.problems(IncidentExpectations.expectedFor(SCENARIO),
                    harness.incidentsJson()), "the whole history is correlated");
            second.stop();
        }
    }

    /** {@code bin/correlator run ...}, once it is ready. */
    private CorrelatorProcess start(String name, Path logs, String... run) {
        final int health = RestartableBroker.freePort();
        final List<String> args = new ArrayList<>(List.of(run));
        args.addAll(List.of("--health-port", String.valueOf(health)));
        final CorrelatorProcess p = CorrelatorProcess.startPackaged(name, logs, Map.of(), args.toArray(String[]::new));
        HttpAwait.awaitAnswer(http, URI.create("http://127.0.0.1:" + health + "/health/ready"),
                r -> r.statusCode() == 200, Duration.ofSeconds(90), p::isAlive, () -> p.logTail(40));
        return p;
    }

    /** Per topic, the log start offset and the end offset, summed over its partitions. */
    private static Map<String, long[]> startAndEnd(PipelineHarness harness, List<String> topicNames) throws Exception {
        try (Admin admin = harness.admin()) {
            final Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(topicNames).allTopicNames().get(30, TimeUnit.SECONDS).values().forEach(d ->
                    d.partitions().forEach(p -> {
                        earliest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.earliest());
                        latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                    }));
            final Map<String, long[]> out = new TreeMap<>();
            admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) ->
                    out.computeIfAbsent(tp.topic(), t -> new long[2])[0] += info.offset());
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) ->
                    out.computeIfAbsent(tp.topic(), t -> new long[2])[1] += info.offset());
            return out;
        }
    }
}
