package io.incidentcorrelator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.config.StoreType;
import io.incidentcorrelator.embedded.EmbeddedKafkaBroker;
import io.incidentcorrelator.replay.ClosingTick;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.runtime.TopologyShapes;
import io.incidentcorrelator.topology.TopologyFactory;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code correlator bench}: a synthetic month of homelab history through the raw pipe and the
 * correlation topology on the embedded broker, then detection latency in live mode, and the
 * memory the topology took. One line per figure on stdout, progress on stderr.
 */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = {
                "Measures the correlation topology on the embedded broker with a synthetic homelab.",
                "On a deterministic synthetic homelab history: throughput against a plain exactly-once "
                        + "consumer→producer copy of the same records,",
                "detection latency in live mode, heap and RSS. Run it with the heap you mean to give the",
                "pipeline, e.g. JAVA_OPTS=-Xmx512m bin/correlator bench --days 30."})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--days", defaultValue = "30", description = "Days of history to generate (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the generator (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "1", description = "Stream threads per instance (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--instances", defaultValue = "1",
            description = "Topology instances (same application.id) in this process (default: ${DEFAULT-VALUE}).")
    int instances;

    @Option(names = "--partitions", defaultValue = "1",
            description = "Partitions of the input topics; more than 1 lets threads and instances share the work, and "
                    + "the same history is also run on 1 partition to report whether the incidents are equal "
                    + "(default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--store", defaultValue = "IN_MEMORY",
            description = "State store kind: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    StoreType store;

    @Option(names = "--skip-latency", description = "Skip the live-mode detection latency measurement.")
    boolean skipLatency;

    @Option(names = "--latency-restarts", defaultValue = "300",
            description = "Restarts injected to measure detection latency (default: ${DEFAULT-VALUE}).")
    int latencyRestarts;

    @Option(names = "--out-json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path outJson;

    @Option(names = "--chart", paramLabel = "FILE.png",
            description = "Write a PNG of records done over time, raw pipe against topology.")
    Path chart;

    @Option(names = "--chart-from", paramLabel = "RESULT.json", split = ",",
            description = "Do not run: draw --chart from earlier --out-json results (records/s and heap by days).")
    List<Path> chartFrom;

    @Option(names = "--streams-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka Streams / client setting for the topology, applied last (repeatable).")
    Map<String, String> streamsProperties = new LinkedHashMap<>();

    @Option(names = "--timeout", defaultValue = "PT20M", description = "Give up on a phase after this (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (chartFrom != null && !chartFrom.isEmpty()) {
            if (chart == null) {
                err.println("bench: --chart-from needs --chart FILE.png");
                return io.incidentcorrelator.cli.CorrelatorCli.EXIT_USAGE;
            }
            BenchChart.scaling(chart, chartFrom);
            out.println("bench: chart: " + chart);
            return 0;
        }
        final Map<String, Object> json = new LinkedHashMap<>();
        final long maxHeap = Runtime.getRuntime().maxMemory();
        final String collectors = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(" + "));
        final String machine = String.format(Locale.ROOT, "%d cores, %.1f GiB RAM, %s %s, max heap %d MiB, GC %s",
                Runtime.getRuntime().availableProcessors(), totalRamBytes() / (double) (1L << 30),
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"), maxHeap >> 20,
                collectors);
        figure(out, "machine: " + machine);
        json.put("machine", machine);
        json.put("days", days);
        json.put("seed", seed);
        json.put("threads", threads);
        json.put("instances", instances);
        json.put("partitions", partitions);
        json.put("store", store.name());

        final String runId = UUID.randomUUID().toString().substring(0, 8);
        final String registryScope = "bench-" + runId;
        final CorrelatorConfig config = CorrelatorConfig.defaults().withStoreType(store);
        final SchemaRegistryClient registry = SchemaRegistries.forUrl(SchemaRegistries.MOCK_SCHEME + registryScope, Map.of());
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults()
                // A month of samples is a few GiB of log; nothing needs to be kept after the run.
                .withBrokerProperty("log.segment.bytes", String.valueOf(256 << 20)));
             Admin admin = Admin.create(BenchKafka.client(broker.bootstrapServers()))) {
            final String bootstrap = broker.bootstrapServers();

            // --- history ---------------------------------------------------------------------
            final Topics history = Pipeline.topics(config.withTopics(config.topics().withPrefix("history.")), registry);
            final TopicNames names = history.names();
            // Both phases read what a replay's topology reads: the event topics and the clock's closing tick.
            final List<String> inputs = TopologyShapes.inputTopics(names);
            final List<String> copies = inputs.stream().map(t -> t + ".copy").toList();
            BenchKafka.createTopics(admin, names, partitions, copies);
            progress(err, String.format("generating %d days of homelab history (seed %d), about %,d records", days, seed,
                    SyntheticHomelab.expectedRecords(days)));
            final long genStart = System.nanoTime();
            final BenchKafka.Produced produced = BenchKafka.produceHistory(bootstrap, history, config, new SyntheticHomelab(seed),
                    Duration.ofDays(days), true, n -> progress(err, String.format("  %,d records produced", n)));
            final double genSeconds = (System.nanoTime() - genStart) / 1e9;
            final long events = produced.events() + 1; // and the closing tick
            figure(out, String.format(Locale.ROOT, "history: %,d records (%s, 1 closing tick) in %.1f s", events,
                    produced.counts(),
                    genSeconds));
            json.put("records", events);
            json.put("recordsByTopic", produced.counts());

            // --- raw pipe --------------------------------------------------------------------
            progress(err, "raw pipe: copying the same records with a transactional consumer→producer");
            final long rawCpuStart = processCpuNanos();
            // The replay phase's commit interval, for both: the raw pipe does what exactly-once Streams does.
            final Map<String, String> replayOverrides = Pipeline.withReplayDefaults(streamsProperties);
            final long commitIntervalMs = Long.parseLong(replayOverrides.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
            json.put("commitIntervalMs", commitIntervalMs);
            final ThroughputCurve raw = RawPipe.copy(bootstrap, inputs, t -> t + ".copy", events, commitIntervalMs, timeout,
                    m -> progress(err, m));
            figure(out, String.format(Locale.ROOT, "raw pipe: %,d records in %.1f s: %.0f rec/s", raw.records(),
                    raw.seconds(), raw.recordsPerSecond()));
            final double rawCpuPerK = (processCpuNanos() - rawCpuStart) / 1e6 / (events / 1000.0);
            json.put("rawPipeRecordsPerSecond", Math.round(raw.recordsPerSecond()));
            json.put("rawPipeCpuMsPer1000", rawCpuPerK);
            json.put("rawPipeSeconds", raw.seconds());

            // --- topology --------------------------------------------------------------------
            progress(err, String.format("topology: %d instance(s) × %d thread(s), %s stores, exactly_once_v2",
                    instances, threads, store));
            final ThroughputCurve topo;
            final long heapPeak;
            final long liveHeapPeak;
            final long rss;
            final long stateBytes;
            final boolean rssPhaseOnly;
            // Replay settings, as for weeks of history: only event time closes windows.
            final CorrelatorConfig replayConfig = config.withTopics(names).withPendingFlushAfter(Duration.ZERO);
            final long topoCpuStart = processCpuNanos();
            final double topoCpuPerK;
            final String topologyApp = "bench-topology-" + runId;
            final TopologyShapes.Choice shape = TopologyShapes.choose(admin, names, topologyApp);
            figure(out, "topology shape: " + shape.reason());
            json.put("topologyShape", shape.shape().name());
            try (MemoryWatch memory = new MemoryWatch();
                 TopologyRun run = new TopologyRun(replayConfig, history, bootstrap, topologyApp, shape,
                         instances, threads, replayOverrides)) {
                run.start();
                topo = run.awaitConsumed(admin, inputs, events, new ClosingTick(config, names.clock(),
                        produced.lastEvent(), bootstrap, Map.of()), timeout, m -> progress(err, m));
                topoCpuPerK = (processCpuNanos() - topoCpuStart) / 1e6 / (events / 1000.0);
                stateBytes = run.stateBytes();
                if (shape.shape() == TopologyFactory.Shape.REPARTITION_BY_CLUSTER) {
                    figure(out, String.format(Locale.ROOT, "repartition topic: %,d offsets (records and commit markers)",
                            BenchKafka.endOffsets(admin, TopologyShapes.repartitionTopic(topologyApp))));
                }
                heapPeak = memory.heapPeak();
                liveHeapPeak = memory.liveHeapPeak();
                rss = MemoryWatch.rssPeak();
                rssPhaseOnly = memory.rssPeakIsPhaseOnly();
            }
            final BenchKafka.Incidents incidents = BenchKafka.incidents(bootstrap, history);
            figure(out, String.format(Locale.ROOT, "incidents: %d (%d revisions)", incidents.newest().size(),
                    incidents.revisions()));
            json.put("incidents", incidents.newest().size());
            json.put("incidentRevisions", incidents.revisions());
            // Late or invalid events end there instead of in the correlation: with more than one input
            // partition, routing tasks that drift apart in event time make one another's events late.
            final long deadLetters = BenchKafka.endOffsets(admin, names.deadLetter());
            figure(out, String.format(Locale.ROOT, "dead-letter topic: %,d offsets (records and commit markers)%s",
                    deadLetters, deadLetters > 0 ? ": events were not correlated, the figures above include that path" : ""));
            json.put("deadLetterOffsets", deadLetters);
            final double ratio = topo.recordsPerSecond() / raw.recordsPerSecond();
            figure(out, String.format(Locale.ROOT, "topology: %,d records in %.1f s: %.0f rec/s", topo.records(),
                    topo.seconds(), topo.recordsPerSecond()));
            figure(out, String.format(Locale.ROOT, "ratio topology / raw pipe: %.2f", ratio));
            // CPU per record hardly depends on what else the machine runs; wall-clock rates do.
            figure(out, String.format(Locale.ROOT,
                    "CPU (whole process, broker included): raw pipe %.1f ms, topology %.1f ms per 1000 records; ratio %.2f",
                    rawCpuPerK, topoCpuPerK, rawCpuPerK / topoCpuPerK));
            figure(out, String.format(Locale.ROOT, "load average during the run: %.1f",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
            json.put("topologyCpuMsPer1000", topoCpuPerK);
            json.put("cpuRatio", rawCpuPerK / topoCpuPerK);
            json.put("loadAverage", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            figure(out, String.format(Locale.ROOT, "heap peak: %d MiB (most live after a GC: %d MiB, max heap %d MiB)",
                    heapPeak >> 20, liveHeapPeak >> 20, maxHeap >> 20));
            figure(out, String.format(Locale.ROOT, "RSS peak: %s (%s; the broker runs in this process too)",
                    rss < 0 ? "n/a" : (rss >> 20) + " MiB", rssPhaseOnly ? "during the topology run" : "since start"));
            figure(out, String.format(Locale.ROOT, "state stores on disk: %.1f MiB", stateBytes / (double) (1 << 20)));
            json.put("topologyRecordsPerSecond", Math.round(topo.recordsPerSecond()));
            json.put("topologySeconds", topo.seconds());
            json.put("ratio", ratio);
            json.put("heapPeakMiB", heapPeak >> 20);
            json.put("liveHeapPeakMiB", liveHeapPeak >> 20);
            json.put("rssPeakMiB", rss < 0 ? null : rss >> 20);
            json.put("stateStoreBytes", stateBytes);

            // --- the same history on one partition ----------------------------------------------
            if (partitions > 1) {
                final PartitionComparison comparison = PartitionComparison.of(
                        onOnePartition(admin, registry, config, bootstrap, runId, replayOverrides, err), incidents.newest());
                figure(out, comparison.line(partitions));
                final Map<String, Object> compared = new LinkedHashMap<>();
                compared.put("equal", comparison.equal());
                compared.put("onePartitionIncidents", comparison.reference());
                compared.put("incidents", comparison.run());
                compared.put("lost", comparison.lost().size());
                compared.put("extra", comparison.extra().size());
                compared.put("different", comparison.different().size());
                json.put("againstOnePartition", compared);
            }

            // --- detection latency -----------------------------------------------------------
            String p50 = "-";
            String p99 = "-";
            if (!skipLatency) {
                final Topics live = Pipeline.topics(config.withTopics(config.topics().withPrefix("live.")), registry);
                BenchKafka.createTopics(admin, live.names(), partitions, List.of());
                final long evidence = LatencyProbe.produceEvidence(bootstrap, live);
                // Live settings, as `run` uses them.
                final String liveApp = "bench-live-" + runId;
                try (TopologyRun run = new TopologyRun(config.withTopics(live.names()), live, bootstrap, liveApp,
                        TopologyShapes.choose(admin, live.names(), liveApp), instances, threads,
                        streamsProperties)) {
                    run.start();
                    run.awaitConsumed(admin, live.names().eventTopics(), evidence, null, timeout, m -> progress(err, m));
                    progress(err, String.format("latency: %d restarts, their evidence already in", latencyRestarts));
                    final LatencyProbe.Result result = LatencyProbe.measure(bootstrap, live, latencyRestarts, 30,
                            Duration.ofSeconds(30));
                    final double p50ms = result.percentile(50);
                    final double p99ms = result.percentile(99);
                    p50 = String.format(Locale.ROOT, "%.0f", p50ms);
                    p99 = String.format(Locale.ROOT, "%.0f", p99ms);
                    figure(out, "detection latency: " + result.summary());
                    json.put("detectionSeen", result.latenciesMs().size());
                    json.put("detectionSent", result.sent());
                    json.put("detectionP50Ms", p50ms);
                    json.put("detectionP99Ms", p99ms);
                    json.put("detectionMaxMs", result.percentile(100));
                }
            }

            if (chart != null) {
                BenchChart.timeline(chart, raw, topo, String.format(Locale.ROOT, "%d days, %,d records", days, events));
                figure(out, "chart: " + chart);
            }
            final String last = String.format(Locale.ROOT,
                    "bench: topology %d rec/s, raw pipe %d rec/s, ratio %.2f, detection p50 %s ms p99 %s ms, heap peak %d MiB",
                    Math.round(topo.recordsPerSecond()), Math.round(raw.recordsPerSecond()), ratio, p50, p99,
                    heapPeak >> 20);
            json.put("summary", last);
            if (outJson != null) {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(outJson.toFile(), json);
            }
            out.println(last);
            out.flush();
            return 0;
        } finally {
            SchemaRegistries.dropMockScope(registryScope);
        }
    }

    /**
     * The incidents of the same history (same seed and days) on one partition, with the same replay
     * settings: what {@code --partitions N} must give too.
     */
    private Map<String, io.incidentcorrelator.avro.Incident> onOnePartition(Admin admin, SchemaRegistryClient registry,
            CorrelatorConfig config, String bootstrap, String runId, Map<String, String> replayOverrides,
            PrintWriter err) throws Exception {
        progress(err, "one partition: the same history, for the incidents to compare with");
        final Topics one = Pipeline.topics(config.withTopics(config.topics().withPrefix("one-partition.")), registry);
        BenchKafka.createTopics(admin, one.names(), 1, List.of());
        final BenchKafka.Produced produced = BenchKafka.produceHistory(bootstrap, one, config, new SyntheticHomelab(seed),
                Duration.ofDays(days), true, n -> { });
        final String app = "bench-one-partition-" + runId;
        try (TopologyRun run = new TopologyRun(config.withTopics(one.names()).withPendingFlushAfter(Duration.ZERO), one,
                bootstrap, app, TopologyShapes.choose(admin, one.names(), app), 1, 1, replayOverrides)) {
            run.start();
            run.awaitConsumed(admin, TopologyShapes.inputTopics(one.names()), produced.events() + 1,
                    new ClosingTick(config, one.names().clock(), produced.lastEvent(), bootstrap, Map.of()), timeout,
                    m -> progress(err, "one partition: " + m));
        }
        return BenchKafka.incidents(bootstrap, one).newest();
    }

    private static void figure(PrintWriter out, String line) {
        out.println("bench: " + line);
        out.flush();
    }

    private static void progress(PrintWriter err, String message) {
        err.println("bench: [" + java.time.LocalTime.now().withNano(0) + "] " + message);
        err.flush();
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    private static long totalRamBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }
}
