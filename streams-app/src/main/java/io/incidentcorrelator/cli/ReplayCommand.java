package io.incidentcorrelator.cli;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.diff.IncidentDiff;
import io.incidentcorrelator.replay.IncidentJsonWriter;
import io.incidentcorrelator.replay.ReplayRunner;
import io.incidentcorrelator.replay.ScenarioEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code correlator replay}: scenario files in, the newest revision of every incident out. */
@Command(name = "replay",
        mixinStandardHelpOptions = true,
        description = {
                "Replays scenario files through the correlation topology and writes the incidents.",
                "Scenario files are JSON Lines of contract events, in any order; the output is the newest revision",
                "of every incident as JSON Lines. Runs on an embedded Kafka broker",
                "and in-process schema registry unless --bootstrap-servers / --schema-registry-url are given.",
                "Exit codes: 0 done, 2 bad input or usage (FILE:LINE: reason on stderr), 1 run failed."})
final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Parameters(arity = "1..*", paramLabel = "SCENARIO.jsonl", description = "Scenario files.")
    List<Path> scenarios;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Write incidents here instead of stdout.")
    Path out;

    @Option(names = "--skip-invalid", description = "Report malformed lines on stderr and skip them instead of stopping.")
    boolean skipInvalid;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX",
            description = "Prefix for the replay's topics on an existing cluster (default: a fresh replay-<time>- "
                    + "prefix, so the live topics are never touched).")
    String topicPrefix;

    @Option(names = "--keep-topics",
            description = "On an existing cluster, keep the replay's topics (implied by --topic-prefix; needs "
                    + "--schema-registry-url). By default the replay deletes its topics, internal topics and group.")
    boolean keepTopics;

    @Option(names = "--partitions", defaultValue = "1", description = "Partitions of the topics the replay creates (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = {"-q", "--quiet"}, description = "No progress on stderr.")
    boolean quiet;

    @Option(names = "--compare", paramLabel = "BEFORE.jsonl",
            description = "Report what changed against these incidents (an earlier replay's output) instead of printing "
                    + "the incidents (they still go to --out if given); see `correlator diff`.")
    Path compare;

    @Option(names = "--json", description = "With --compare: the report as one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        final PrintWriter err = spec.commandLine().getErr();
        final ConfigLoader config = cluster.load();
        final CorrelatorConfig correlator = config.correlatorConfig(); // bad settings fail before any work
        if (out != null && OutputFile.problem(out, "--out") != null) {
            err.println("replay: " + OutputFile.problem(out, "--out"));
            return CorrelatorCli.EXIT_USAGE;
        }
        // Read first: a bad BEFORE file should not cost a whole replay.
        final List<Incident> before = compare == null ? null : DiffCommand.read(compare, err);
        if (compare != null && before == null) {
            return CorrelatorCli.EXIT_USAGE;
        }

        final List<ScenarioEvent> events = ScenarioInput.read("replay", scenarios, skipInvalid, err);
        if (events == null) {
            return CorrelatorCli.EXIT_USAGE;
        }
        ReplayRunner.Options options = ReplayRunner.Options.embedded(correlator,
                quiet ? null : message -> {
                    err.println("replay: " + message);
                    err.flush();
                });
        final String bootstrap = cluster.bootstrap(config);
        final String registry = cluster.registryUrl(config);
        // A prefix the user chose names topics the user keeps.
        final boolean keep = keepTopics || topicPrefix != null;
        if (bootstrap != null && registry == null && keep) {
            err.println("replay: kept topics on --bootstrap-servers need --schema-registry-url: their records' schema "
                    + "ids must point at a registry that outlives the replay");
            err.flush();
            return CorrelatorCli.EXIT_USAGE;
        }
        if (bootstrap != null || registry != null) {
            final String prefix = topicPrefix != null ? topicPrefix
                    : bootstrap == null ? "" : "replay-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"))
                    + "-" + UUID.randomUUID().toString().substring(0, 4) + ".";
            options = options.withCluster(bootstrap, registry, prefix);
        }
        options = options.withPartitions(partitions).withClientOverrides(cluster.clientOverrides(config))
                .withKeepTopics(keep);
        final List<Incident> incidents = new ReplayRunner(options).run(events);
        if (compare != null) {
            if (out != null) {
                write(incidents);
            }
            DiffCommand.print(spec.commandLine().getOut(), IncidentDiff.compare(before, incidents), json);
            return 0;
        }
        write(incidents);
        return 0;
    }

    /** To a temporary file moved into place at the end: a failed run leaves no half-written output. */
    private void write(List<Incident> incidents) throws IOException {
        if (out == null) {
            final Writer stdout = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
            final IncidentJsonWriter writer = new IncidentJsonWriter(stdout);
            writer.writeAll(incidents);
            writer.flush();
            return;
        }
        try {
            OutputFile.write(out, w -> {
                final IncidentJsonWriter writer = new IncidentJsonWriter(w);
                writer.writeAll(incidents);
                writer.flush();
                return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing " + out, e);
        }
    }
}
