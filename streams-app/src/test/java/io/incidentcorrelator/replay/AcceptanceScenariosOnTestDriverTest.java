package io.incidentcorrelator.replay;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.testsupport.IncidentExpectations;
import io.incidentcorrelator.testsupport.ScenarioCorpus;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.Topics;
import io.incidentcorrelator.topology.TopologyFactory;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acceptance criterion in seconds: every scenario's events, in the order a replay produces
 * them, through the real topology on the test driver, give exactly the scenario's expected
 * incidents (the comparison {@code check-incidents.py} makes), and every one of them resolved.
 * In both shapes: straight from the router (one partition per input, as {@code replay} runs it)
 * and through the repartition topic (several partitions, as {@code run} mostly does).
 *
 * <p>{@code ScenarioReplayIT} runs the same scenarios through a real broker; exactly-once,
 * crashes, scale-out and restore stay with the broker-based ITs.
 */
class AcceptanceScenariosOnTestDriverTest {

    static Stream<Arguments> scenarios() {
        return ScenarioCorpus.ALL.stream().flatMap(name -> Stream.of(TopologyFactory.Shape.values())
                .map(shape -> Arguments.of(name, shape)));
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("scenarios")
    void aScenarioGivesExactlyItsExpectedIncidentsAllResolved(String scenario, TopologyFactory.Shape shape,
                                                               @TempDir Path stateDir) {
        final List<Incident> incidents = replayOnTestDriver(ScenarioCorpus.read(List.of(scenario)), shape, stateDir);

        final String jsonLines = incidents.stream().map(IncidentJsonWriter::toLine).collect(Collectors.joining("\n"));
        assertThat(IncidentExpectations.problems(IncidentExpectations.expectedFor(scenario), jsonLines))
                .as("what check-incidents.py would report for\n%s", jsonLines)
                .isEmpty();
        assertThat(incidents).allSatisfy(incident -> {
            assertThat(incident.getStatus()).as(incident.getId()).hasToString("RESOLVED");
            assertThat(incident.getRevision()).as(incident.getId() + " was opened, then resolved").isGreaterThanOrEqualTo(2);
            assertThat(incident.getSummary()).as(incident.getId()).isNotBlank();
            assertThat(incident.getRecommendedActions()).as(incident.getId()).isNotEmpty();
            assertThat(incident.getEvidence()).as(incident.getId()).isNotEmpty();
        });
    }

    /**
     * What {@link ReplayRunner} does, without the broker: the events in replay order with their
     * event times as record timestamps, then the closing clock tick past every window; returns
     * the newest revision of every incident, as a reader of the compacted topic sees them.
     */
    private static List<Incident> replayOnTestDriver(List<ScenarioEvent> events, TopologyFactory.Shape shape,
                                                     Path stateDir) {
        // As ReplayRunner: nothing held back for a pending flush. Inputs idle at once: the driver
        // delivers each record as it is piped, so the replay order is the order the topology sees.
        final CorrelatorConfig config = CorrelatorConfig.defaults().withPendingFlushAfter(Duration.ZERO)
                .withIdleAfter(Duration.ZERO);
        final Topics topics = Pipeline.topics(config, new InMemorySchemaRegistry("mock://acceptance-" + shape));
        // The replay's Streams settings but no task idling: the driver's wall clock stands still, so with
        // the replay's max.task.idle.ms it would hold a task's records while its other inputs are empty.
        final Properties props = Pipeline.streamsProperties(config, "dummy:9092", "acceptance-on-test-driver", stateDir,
                Pipeline.withReplayDefaults(Map.of(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0")));
        final List<ScenarioEvent> ordered = ScenarioEvents.orderForReplay(events);
        try (TopologyTestDriver driver = new TopologyTestDriver(Pipeline.topology(config, topics, props, shape), props,
                ordered.stream().map(ScenarioEvent::eventTime).filter(t -> t != null).findFirst().orElse(Instant.EPOCH))) {
            final Map<String, TestInputTopic<String, byte[]>> inputs = new HashMap<>();
            Instant last = Instant.EPOCH;
            for (ScenarioEvent e : ordered) {
                final String topic = config.topics().name(e.topic());
                final byte[] value = topics.serialize(e.topic(), e.value());
                final TestInputTopic<String, byte[]> input = inputs.computeIfAbsent(topic, t ->
                        driver.createInputTopic(t, new StringSerializer(), new ByteArraySerializer()));
                if (e.eventTime() == null) {
                    input.pipeInput(e.key(), value);
                } else {
                    input.pipeInput(e.key(), value, e.eventTime());
                    last = e.eventTime().isAfter(last) ? e.eventTime() : last;
                }
            }
            final ProducerRecord<String, byte[]> tick = ClosingTick.record(config, config.topics().clock(), last);
            driver.createInputTopic(tick.topic(), new StringSerializer(), new ByteArraySerializer())
                    .pipeInput(tick.key(), tick.value(), tick.timestamp());

            final Map<String, Incident> newest = new LinkedHashMap<>();
            for (KeyValue<String, Incident> kv : driver.createOutputTopic(config.topics().incidents(),
                    new StringDeserializer(), topics.valueSerde(Topic.INCIDENTS).deserializer()).readKeyValuesToList()) {
                if (kv.value == null) {
                    newest.remove(kv.key);
                } else {
                    newest.put(kv.key, kv.value);
                }
            }
            return List.copyOf(newest.values());
        }
    }
}
