package io.incidentcorrelator.cli;

import io.incidentcorrelator.serde.AvroClassTrust;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code correlator}: the product's command line. */
@Command(name = "correlator",
        mixinStandardHelpOptions = true,
        versionProvider = CorrelatorCli.Version.class,
        description = {
                "Explains why Kubernetes pods on Proxmox restarted.",
                "Correlates restarts with backups, etcd latency and host memory/CPU pressure, and writes one",
                "classified incident per group of restarts."},
        subcommands = {DemoCommand.class, ReplayCommand.class, RunCommand.class, ResetCommand.class,
                CollectCommand.class, BackfillCommand.class,
                IncidentsCommand.class, AdviseCommand.class, SinkCommand.class, DiffCommand.class,
                io.incidentcorrelator.bench.BenchCommand.class, CommandLine.HelpCommand.class})
public final class CorrelatorCli {

    /** Usage errors and bad input: the user can fix them. */
    public static final int EXIT_USAGE = 2;
    /** The run failed (broker, registry, topology). */
    public static final int EXIT_FAILURE = 1;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with the product's error handling, for {@link #execute} and tests. */
    public static CommandLine commandLine() {
        // Once, at start-up: records are copied with newBuilder(other), which Avro 1.12 allows only for
        // trusted classes (AvroClassTrust).
        AvroClassTrust.trustGeneratedClasses();
        final CommandLine cli = new CommandLine(new CorrelatorCli());
        cli.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_FAILURE);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("correlator: " + Messages.describe(e));
            return e instanceof io.incidentcorrelator.config.ConfigLoader.ConfigException ? EXIT_USAGE : EXIT_FAILURE;
        });
        CollectorDefaults.install(cli, System.getenv());
        reflow(cli);
        return cli;
    }

    /**
     * Joins description lines into the paragraphs they belong to, so that picocli wraps them to its
     * 80 columns instead of breaking each line written at about 100 a second time (a ragged
     * "...a Kafka broker / (--broker-listen) and a / schema registry..."). A line ending a sentence,
     * an empty line and the first line (the command's summary in its parent's list) stay as they are.
     */
    static void reflow(CommandLine command) {
        final CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
        usage.description(paragraphs(usage.description()));
        command.getSubcommands().values().forEach(CorrelatorCli::reflow);
    }

    static String[] paragraphs(String[] lines) {
        final java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            final String previous = out.isEmpty() ? null : out.get(out.size() - 1);
            if (i > 1 && !lines[i].isBlank() && !previous.isBlank() && !previous.stripTrailing().endsWith(".")) {
                out.set(out.size() - 1, previous.stripTrailing() + " " + lines[i].strip());
            } else {
                out.add(lines[i]);
            }
        }
        return out.toArray(String[]::new);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String v = CorrelatorCli.class.getPackage().getImplementationVersion();
            return new String[]{"incident-correlator " + (v == null ? "development build" : v),
                    io.incidentcorrelator.classify.ClassifierConfig.VERSION};
        }
    }
}
