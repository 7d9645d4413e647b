package io.incidentcorrelator.cli;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.replay.ReplayRunner;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.replay.ScenarioReader;
import picocli.CommandLine.Command;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code correlator demo}: the bundled nights of the homelab, replayed, as a table. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
                "Replays three bundled nights of a homelab on an embedded broker and prints the incidents.",
                "The nights: backup windows, a staggered backup with a real crash hiding after it, OOM kills and",
                "an image pull failure."})
final class DemoCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--serve", description = {
            "After the replay keep the embedded broker and the topology running and serve the web view",
            "(incidents and their timelines) until Ctrl-C."})
    boolean serve;

    @Mixin
    WebOptions web;

    /** Set while serving; a test ends the demo with {@code stop.request()}, people with Ctrl-C. */
    volatile StopSignal stop;

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final long start = System.nanoTime();
        final ConfigLoader config = cluster.load();
        if (serve) {
            // Before the replay: a port in use is one line, not a failure after it.
            WebOptions.requireFree(web.bind, web.port == null ? WebOptions.DEFAULT_PORT : web.port, "web view", "--port");
        }

        final List<ScenarioEvent> events = new ArrayList<>();
        final ScenarioReader reader = new ScenarioReader(false, w -> err.println("warning: " + w));
        for (String name : bundledScenarios()) {
            try (InputStream in = resource("scenarios/" + name)) {
                final List<ScenarioEvent> read = reader.read(name, new InputStreamReader(in, StandardCharsets.UTF_8));
                events.addAll(read);
                err.printf("demo: %-36s %5d events%n", name, read.size());
            }
        }
        err.flush();
        ReplayRunner.Options options = ReplayRunner.Options.embedded(config.correlatorConfig(), message -> {
            err.printf("demo: [%4.1f s] %s%n", (System.nanoTime() - start) / 1e9, message);
            err.flush();
        });
        if (cluster.bootstrap(config) != null || cluster.registryUrl(config) != null) {
            options = options.withCluster(cluster.bootstrap(config), cluster.registryUrl(config),
                    cluster.bootstrap(config) == null ? "" : "demo-" + System.currentTimeMillis() + ".")
                    .withClientOverrides(cluster.clientOverrides(config));
        }
        if (!serve) {
            printTable(out, new ReplayRunner(options).run(events));
            return 0;
        }
        if (web.port != null && (web.port < 0 || web.port > 65_535)) {
            err.println("demo: --port must be 0..65535, was " + web.port);
            return CorrelatorCli.EXIT_USAGE;
        }
        try (WebOptions.Served served = web.start(WebOptions.DEFAULT_PORT);
             StopSignal signal = StopSignal.install(Duration.ofSeconds(30))) {
            stop = signal;
            new ReplayRunner(options).run(events, new ReplayRunner.AfterReplay() {
                @Override
                public void configure(Properties streamsProperties) {
                    streamsProperties.put(StreamsConfig.APPLICATION_SERVER_CONFIG,
                            served.self().host() + ":" + served.self().port());
                }

                @Override
                public void whileRunning(KafkaStreams streams, List<Incident> incidents) throws InterruptedException {
                    printTable(out, incidents);
                    served.server().attach(streams, served.self(), config.correlatorConfig().classifier());
                    served.server().attachBackups(() -> io.incidentcorrelator.advise.BackupHistory.of(events, incidents),
                            config.correlatorConfig().classifier().backupCoolDown());
                    out.println();
                    out.println("demo: web view at " + served.url() + " (Ctrl-C to stop)");
                    out.flush();
                    signal.await();
                }
            });
        }
        return 0;
    }

    private static void printTable(PrintWriter out, List<Incident> incidents) {
        out.println();
        out.print(table(incidents));
        out.printf("%n%d incidents, %d transient (expected to heal by themselves), %d to act on.%n",
                incidents.size(), incidents.stream().filter(Incident::getTransient$).count(),
                incidents.stream().filter(i -> !i.getTransient$()).count());
        out.flush();
    }

    static String table(List<Incident> incidents) {
        final List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"TIME (UTC)", "CLUSTER", "CATEGORY", "TRANSIENT", "PODS"});
        for (Incident i : incidents) {
            rows.add(new String[]{TIME.format(i.getWindowStart()), i.getCluster(), i.getCategory().name(),
                    i.getTransient$() ? "yes" : "no",
                    i.getPods().stream().map(PodSummary::getPod).distinct().collect(Collectors.joining(", "))});
        }
        final int[] widths = new int[5];
        for (String[] row : rows) {
            for (int c = 0; c < 4; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        final StringBuilder sb = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            final String[] row = rows.get(r);
            sb.append(String.format(Locale.ROOT, "%-" + widths[0] + "s  %-" + widths[1] + "s  %-" + widths[2] + "s  %-"
                    + widths[3] + "s  %s%n", (Object[]) row));
            if (r > 0) {
                sb.append("    ").append(incidents.get(r - 1).getSummary()).append('\n');
            }
        }
        return sb.toString();
    }

    private static List<String> bundledScenarios() throws IOException {
        try (BufferedReader index = new BufferedReader(new InputStreamReader(resource("scenarios/index.txt"),
                StandardCharsets.UTF_8))) {
            return index.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        }
    }

    private static InputStream resource(String name) throws IOException {
        final InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("bundled resource " + name + " is missing from the jar");
        }
        return in;
    }
}
