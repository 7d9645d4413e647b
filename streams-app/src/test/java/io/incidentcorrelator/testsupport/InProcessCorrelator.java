package io.incidentcorrelator.testsupport;

import io.incidentcorrelator.runtime.TopologyShapes;
import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.topics.Topics;
import io.incidentcorrelator.topology.TopologyFactory;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The topology of {@code correlator run}, wired the same way from the same settings file, but in
 * the test's JVM: the clean reference run that a run under test is compared with.
 */
public final class InProcessCorrelator implements AutoCloseable {

    private final KafkaStreams streams;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private final TopologyFactory.Shape shape;

    private InProcessCorrelator(KafkaStreams streams, TopologyFactory.Shape shape) {
        this.streams = streams;
        this.shape = shape;
    }

    /** The application in the shape {@code correlator run} would choose for the topics as they are. */
    public static InProcessCorrelator start(Path configFile, String bootstrap, String registryUrl,
                                            String applicationId, Path stateDir) {
        return start(configFile, bootstrap, registryUrl, applicationId, stateDir, null);
    }

    /** @param shape the topology's shape; null: as {@code correlator run} would choose it */
    public static InProcessCorrelator start(Path configFile, String bootstrap, String registryUrl,
                                            String applicationId, Path stateDir, TopologyFactory.Shape shape) {
        final ConfigLoader loader = ConfigLoader.load(configFile, Map.of());
        final CorrelatorConfig config = loader.correlatorConfig();
        final Map<String, String> overrides = new HashMap<>(loader.kafkaSettings());
        overrides.remove("bootstrap.servers");
        final Topics topics = Pipeline.topics(config, SchemaRegistries.forUrl(registryUrl, Map.of()));
        final Properties props = Pipeline.streamsProperties(config, bootstrap, applicationId, stateDir, overrides);
        final TopologyShapes.Choice choice = TopologyShapes.choose(bootstrap, overrides, config.topics(), applicationId);
        final TopologyShapes.Choice chosen = shape == null ? choice
                : new TopologyShapes.Choice(shape, "forced by the test", choice.routingTasks());
        final InProcessCorrelator run = new InProcessCorrelator(
                Pipeline.streams(Pipeline.topology(config, topics, props, chosen), props), chosen.shape());
        run.streams.setUncaughtExceptionHandler(e -> {
            run.failure.set(e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        run.streams.start();
        return run;
    }

    public TopologyFactory.Shape shape() {
        return shape;
    }

    public boolean isAlive() {
        if (failure.get() != null) {
            throw new AssertionError("the reference run failed: " + failure.get(), failure.get());
        }
        return streams.state().isRunningOrRebalancing() || streams.state() == KafkaStreams.State.CREATED;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
