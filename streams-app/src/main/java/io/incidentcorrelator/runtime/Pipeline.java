package io.incidentcorrelator.runtime;

import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.serde.AvroBinarySerde;
import io.incidentcorrelator.serde.RegistryAvroSerde;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.topics.Topics;
import io.incidentcorrelator.topics.ValueSerdes;
import io.incidentcorrelator.topology.TopologyFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.TopologyDescription;
import io.incidentcorrelator.topology.CatchUpAlignment;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.Map;
import java.util.Properties;

/**
 * Wires the topology to Kafka: the serdes (registry-framed Avro on the contract topics,
 * plain Avro binary inside), and the Streams settings every mode shares: exactly-once,
 * explicit names for every internal resource, bad records to the dead-letter topic.
 */
public final class Pipeline {

    private Pipeline() {
    }

    public static Topics topics(CorrelatorConfig config, SchemaRegistryClient registry) {
        return new Topics(config.topics(), new ValueSerdes() {
            @Override
            public <T extends SpecificRecord> Serde<T> forValue(Class<T> type) {
                return new RegistryAvroSerde<>(registry, type);
            }
        }, internalSerdes());
    }

    public static ValueSerdes internalSerdes() {
        return new ValueSerdes() {
            @Override
            public <T extends SpecificRecord> Serde<T> forValue(Class<T> type) {
                return AvroBinarySerde.of(type);
            }
        };
    }

    /**
     * The builder gets the Streams settings so that {@code ensure.explicit.internal.resource.naming}
     * is enforced when the topology is built, not only documented.
     */
    public static Topology topology(CorrelatorConfig config, Topics topics, Properties streamsProperties,
                                    TopologyFactory.Shape shape) {
        return topology(config, topics, streamsProperties, new TopologyShapes.Choice(shape, "as given"));
    }

    public static Topology topology(CorrelatorConfig config, Topics topics, Properties streamsProperties,
                                    TopologyShapes.Choice shape) {
        final StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsProperties)));
        return TopologyFactory.build(builder, config, topics, internalSerdes(), Clock.systemUTC(),
                config.timelineRetention(), shape.shape(),
                new TopologyFactory.Progress(shape.routingTasks(), config.idleAfter()));
    }

    /**
     * Commit interval, live and in replays (and the bench's replay phase), unless configured: with
     * exactly-once each commit is a transaction, which flushes the producer and waits for the
     * broker. What someone waits for asks for a commit at once instead: live, a restart on its way
     * and an incident revision ({@code CommitWhenLive}); in a replay, whose output is read only at
     * its end, the closing clock tick.
     */
    public static final long COMMIT_INTERVAL_MS = 1000;

    /**
     * The settings of a replay (and of the bench's replay phase) under what the user configured:
     * the replay commit interval; a task waits a little for every input partition so that it takes
     * records in event-time order; windowed changelogs are kept by timestamp for ~100 years,
     * as history is older than any retention; and the internal topics take what the closing tick
     * of a recent night stamps ahead of the broker's clock (as {@link TopicProvisioner#KEEP_FOREVER}).
     */
    public static Map<String, String> withReplayDefaults(Map<String, String> overrides) {
        final Map<String, String> merged = new LinkedHashMap<>();
        merged.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(COMMIT_INTERVAL_MS));
        merged.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "500");
        merged.put(StreamsConfig.WINDOW_STORE_CHANGE_LOG_ADDITIONAL_RETENTION_MS_CONFIG,
                Long.toString(Duration.ofDays(36_500).toMillis()));
        merged.put(StreamsConfig.topicPrefix(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG),
                TopicProvisioner.KEEP_FOREVER.get(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG));
        merged.putAll(overrides);
        return merged;
    }

    /**
     * Most bytes one fetch response may carry ({@code fetch.max.bytes}), and one partition of it
     * ({@code max.partition.fetch.bytes}). A response is read into one buffer; with Kafka's defaults
     * (50 MiB, 1 MiB a partition) a replay's fetches are over 1 MiB, and with a heap of a few hundred
     * MiB (1 MiB G1 regions) every such buffer is a humongous allocation that starts a concurrent
     * marking cycle: 170 cycles in a {@code bench --days 30} topology phase, 60 under these caps.
     * Under half a region, the buffers are ordinary young garbage.
     */
    public static final int FETCH_MAX_BYTES = 384 * 1024;
    public static final int MAX_PARTITION_FETCH_BYTES = 256 * 1024;

    /**
     * @param overrides Kafka client and Streams settings from the user's configuration, applied last
     */
    public static Properties streamsProperties(CorrelatorConfig config, String bootstrapServers, String applicationId,
                                               Path stateDir, Map<String, String> overrides) {
        final Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // Unreadable records to the dead-letter topic, but not while the registry is down (see the handler).
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.topics().deadLetter());
        // The classic protocol starts a one-instance app in about a second, the new one in ~7 s.
        p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "classic");
        // A second: under a homelab's trickle the samples between two restarts share a transaction
        // instead of one each; a live restart and a revision ask for a commit at once.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // Start-up: Kafka Streams checks that the internal topics it created exist every
        // retry.backoff.ms (100 ms by default, a few rounds each start); the clients back off
        // exponentially from it up to retry.backoff.max.ms (1 s) as before.
        p.put(StreamsConfig.RETRY_BACKOFF_MS_CONFIG, 20);
        // The global consumer restores one global table after the other on one connection, and a
        // broker answers a connection's requests in order: each offset lookup queued behind the
        // previous table's long-poll fetch (500 ms by default).
        p.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 100);
        // Main, restore and global consumers alike.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), FETCH_MAX_BYTES);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), MAX_PARTITION_FETCH_BYTES);
        // One per Kafka Streams instance: its routing and correlation tasks tell it, its consumers ask it.
        p.put(CatchUpAlignment.CONFIG_KEY, new CatchUpAlignment(config.catchUpMaxDrift()));
        p.putAll(overrides);
        return p;
    }

    /** With the main consumers holding back the routing tasks that ran ahead, if the properties ask for it. */
    public static KafkaStreams streams(Topology topology, Properties properties) {
        final CatchUpAlignment alignment = CatchUpAlignment.from(properties);
        if (alignment == null) {
            return new KafkaStreams(topology, properties);
        }
        return new KafkaStreams(topology, properties, new AligningClientSupplier(alignment, routingTopics(topology)));
    }

    /** The topics of the routing tasks' source ({@link TopologyFactory#EVENTS_SOURCE}). */
    static Set<String> routingTopics(Topology topology) {
        final Set<String> topics = new HashSet<>();
        for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source
                        && TopologyFactory.EVENTS_SOURCE.equals(source.name()) && source.topicSet() != null) {
                    topics.addAll(source.topicSet());
                }
            }
        }
        return topics;
    }

}
