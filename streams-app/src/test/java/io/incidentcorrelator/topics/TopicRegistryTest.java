package io.incidentcorrelator.topics;

import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.replay.ScenarioFormatException;
import io.incidentcorrelator.replay.ScenarioReader;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.topology.TopologyFactory;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The topic registry ({@link Topic#ALL}) and what is built from it agree: a topic added to the
 * registry is configurable, read or written by the topology as its role says, and known to the
 * scenario format.
 */
class TopicRegistryTest {

    /** Every topic renamed through its own setting, under a prefix. */
    private static CorrelatorConfig renamed() {
        final Map<String, String> env = new HashMap<>();
        env.put("INCIDENT_CORRELATOR_TOPIC_PREFIX", "lab.");
        for (Topic<?> topic : Topic.ALL) {
            env.put("INCIDENT_CORRELATOR_TOPIC_" + topic.id().toUpperCase(Locale.ROOT).replace('-', '_'),
                    "renamed-" + topic.id());
        }
        return ConfigLoader.load(null, env).correlatorConfig();
    }

    @Test
    void everyTopicIsNamedByItsOwnSetting() {
        final TopicNames names = renamed().topics();
        for (Topic<?> topic : Topic.ALL) {
            assertThat(names.name(topic)).as(topic.id()).isEqualTo("lab.renamed-" + topic.id());
        }
        assertThat(new HashSet<>(names.all())).hasSize(Topic.ALL.size());
    }

    @Test
    void theTopologyReadsAndWritesEveryTopicAsItsRoleSays() {
        for (TopologyFactory.Shape shape : TopologyFactory.Shape.values()) {
            final CorrelatorConfig config = renamed();
            final Topics topics = Pipeline.topics(config, new InMemorySchemaRegistry("mock://topic-registry-" + shape));
            final TopologyDescription description = Pipeline.topology(config, topics,
                    Pipeline.streamsProperties(config, "dummy:9092", "registry-test", Path.of("unused"), Map.of()),
                    shape).describe();
            final Set<String> read = new TreeSet<>();
            final Set<String> written = new TreeSet<>();
            description.globalStores().forEach(g -> read.addAll(g.source().topicSet()));
            description.subtopologies().forEach(s -> s.nodes().forEach(n -> {
                if (n instanceof TopologyDescription.Source source) {
                    read.addAll(source.topicSet());
                } else if (n instanceof TopologyDescription.Sink sink) {
                    written.add(sink.topic());
                }
            }));
            final String repartition = TopologyFactory.EVENTS_BY_CLUSTER + "-repartition";
            read.remove(repartition);
            written.remove(repartition);

            assertThat(read).as("read, %s", shape).isEqualTo(namesOf(config,
                    Topic.withRole(Topic.Role.EVENTS, Topic.Role.TABLE, Topic.Role.CLOCK)));
            assertThat(written).as("written, %s", shape).isEqualTo(namesOf(config,
                    Topic.withRole(Topic.Role.OUTPUT, Topic.Role.DEAD_LETTER)));
        }
    }

    @Test
    void theScenarioFormatKnowsExactlyTheInputTopics() throws Exception {
        for (Topic<?> topic : Topic.ALL) {
            final String line = "{\"topic\": \"" + topic.id() + "\", \"value\": {}}";
            final List<String> problems = new java.util.ArrayList<>();
            try {
                new ScenarioReader().read("registry.jsonl", new StringReader(line));
            } catch (ScenarioFormatException e) {
                problems.add(e.getMessage());
            }
            // An empty value is never valid; the message says whether the topic itself was known.
            assertThat(problems).as(topic.id()).singleElement().asString()
                    .satisfies(m -> assertThat(m.contains("unknown topic")).as(m).isNotEqualTo(topic.input()));
        }
        assertThatThrownBy(() -> new ScenarioReader().read("registry.jsonl",
                new StringReader("{\"topic\": \"incidents\", \"value\": {}}")))
                .hasMessageContaining("expected one of " + Topic.ALL.stream().filter(Topic::input).map(Topic::id)
                        .collect(Collectors.joining(", ")));
    }

    @Test
    void aScenarioEventIsProducedToItsConfiguredTopic() throws Exception {
        final CorrelatorConfig config = renamed();
        final Topics topics = Pipeline.topics(config, new InMemorySchemaRegistry("mock://topic-registry-produce"));
        final List<ScenarioEvent> events = new ScenarioReader().read("one.jsonl", new StringReader(
                "{\"topic\": \"storage-locations\", \"value\": {\"storage\": \"pbs\", \"host\": \"pve-1\"}}"));
        final ScenarioEvent event = events.get(0);
        assertThat(event.topic()).isSameAs(Topic.STORAGE_LOCATIONS);
        final byte[] bytes = topics.serialize(event.topic(), event.value());
        assertThat(topics.valueSerde(Topic.STORAGE_LOCATIONS).deserializer()
                .deserialize(config.topics().name(Topic.STORAGE_LOCATIONS), bytes)).isEqualTo(event.value());
        assertThat(topics.valueSerdeFor("lab.renamed-storage-locations").deserializer()
                .deserialize("lab.renamed-storage-locations", bytes)).isEqualTo(event.value());
        assertThatThrownBy(() -> topics.valueSerdeFor("storage-locations"))
                .hasMessage("No contract record is carried on topic storage-locations");
    }

    private static Set<String> namesOf(CorrelatorConfig config, List<Topic<?>> topics) {
        return topics.stream().map(config.topics()::name).collect(Collectors.toCollection(TreeSet::new));
    }
}
