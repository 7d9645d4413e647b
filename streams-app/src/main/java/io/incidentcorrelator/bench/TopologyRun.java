package io.incidentcorrelator.bench;

import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.replay.ClosingTick;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.runtime.TopologyShapes;
import io.incidentcorrelator.topics.Topics;
import io.incidentcorrelator.topology.TopologyFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.StateRestoreListener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The correlation topology exactly as {@code replay} and {@code run} build it (Pipeline's
 * serdes and Streams settings), over already-produced topics, in one or more instances of one
 * application in this process. Done when the group's committed offsets reach the end of every
 * input and of the repartition topic if the shape has one: with exactly-once the output is then
 * committed too.
 */
final class TopologyRun implements AutoCloseable {

    private final List<KafkaStreams> instances = new ArrayList<>();
    private final List<Path> stateDirs = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final String applicationId;

    TopologyRun(CorrelatorConfig config, Topics topics, String bootstrap, String applicationId,
                TopologyShapes.Choice shape, int instances, int threads, Map<String, String> overrides) {
        this.applicationId = applicationId;
        for (int i = 0; i < instances; i++) {
            final Path stateDir;
            try {
                stateDir = Files.createTempDirectory("incident-correlator-bench-state-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            stateDirs.add(stateDir);
            final Properties props = Pipeline.streamsProperties(config, bootstrap, applicationId, stateDir, overrides);
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
            final KafkaStreams streams = Pipeline.streams(Pipeline.topology(config, topics, props, shape), props);
            streams.setUncaughtExceptionHandler(e -> {
                failure.compareAndSet(null, e);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            this.instances.add(streams);
        }
    }

    /** Told of every store restored from its changelog; before {@link #start}. */
    void restoreListener(StateRestoreListener listener) {
        instances.forEach(s -> s.setGlobalStateRestoreListener(listener));
    }

    void start() {
        instances.forEach(KafkaStreams::start);
    }

    /** Waits until every instance is RUNNING (its stores restored); how long that took since the call. */
    Duration awaitRunning(Duration timeout) throws InterruptedException {
        final long start = System.nanoTime();
        while (!instances.stream().allMatch(s -> s.state() == KafkaStreams.State.RUNNING)) {
            if (failure.get() != null) {
                throw new IllegalStateException("the topology failed: " + failure.get(), failure.get());
            }
            if (System.nanoTime() - start > timeout.toNanos()) {
                throw new IllegalStateException("the topology was not RUNNING within " + timeout);
            }
            Thread.sleep(10);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Waits until {@code expected} input records are consumed and the repartition topic, if any, is
     * drained.
     *
     * @param tick the closing tick among the inputs, sent again if only it stays behind; null: none
     */
    ThroughputCurve awaitConsumed(Admin admin, List<String> inputs, long expected, ClosingTick tick, Duration timeout,
                           Consumer<String> progress) throws ExecutionException, InterruptedException {
        final ThroughputCurve timeline = new ThroughputCurve();
        final long deadline = System.nanoTime() + timeout.toNanos();
        long lastReport = System.nanoTime();
        while (true) {
            if (failure.get() != null) {
                throw new IllegalStateException("the topology failed: " + failure.get(), failure.get());
            }
            final long done = BenchKafka.committed(admin, applicationId, inputs);
            timeline.add(done);
            final Map<String, Long> behind = TopologyShapes.behindByTopic(admin, applicationId, inputs);
            if (done >= expected && behind.values().stream().allMatch(b -> b == 0)) {
                timeline.finish(done);
                return timeline;
            }
            if (tick != null) {
                tick.resendIfOnlyTheClockIsBehind(behind);
            }
            if (System.nanoTime() - lastReport > 10_000_000_000L) {
                progress.accept(String.format("topology: %,d of %,d records", done, expected));
                lastReport = System.nanoTime();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the topology did not consume " + expected + " records within " + timeout);
            }
            Thread.sleep(50);
        }
    }

    /** Bytes the state stores take on local disk (RocksDB files, checkpoints). */
    long stateBytes() {
        long total = 0;
        for (Path dir : stateDirs) {
            try (var files = Files.walk(dir)) {
                total += files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            } catch (IOException | UncheckedIOException e) {
                // a file vanished while walking: a store was being compacted; the figure is approximate anyway
            }
        }
        return total;
    }

    @Override
    public void close() {
        // Leaving the group at once: a later instance of the same application (a restore measured
        // after the run) would otherwise wait out this one's session timeout first.
        instances.forEach(s -> s.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(30))));
        for (Path dir : stateDirs) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // best effort: a temp dir
            }
        }
    }
}
