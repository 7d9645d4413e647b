package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.runtime.TopologyShapes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.tools.StreamsResetter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code correlator reset}: Kafka's application reset tool ({@link StreamsResetter}) for this
 * app's topics, plus the local state it leaves alone. Reprocessing history is then just another
 * {@code correlator run}.
 */
@Command(name = "reset",
        mixinStandardHelpOptions = true,
        description = {
                "Resets the pipeline so that the next `correlator run` reprocesses history.",
                "Resets an application so that the next `correlator run` reprocesses",
                "history: moves its offsets on the input topics back (to the earliest",
                "offset, or --to-datetime), deletes its internal topics (repartition,",
                "changelogs) and, with --state-dir, this host's local state.",
                "Stop every instance first: it refuses while the group has members.",
                "The incident topic is left alone: the rerun appends revisions again.",
                "Try it with --dry-run first."})
final class ResetCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--application-id", required = true,
            description = "The application.id of the instances to reset (as given to `correlator run`).")
    String applicationId;

    @Option(names = "--to-datetime", paramLabel = "YYYY-MM-DDThh:mm:ss[.sss][Z|±hh:mm]",
            description = "Reprocess from this time on (by record timestamp) instead of from the earliest offset.")
    String toDatetime;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "The --state-dir of `correlator run` on this host: its state for the application is deleted. "
                    + "Do the same on every host that ran an instance.")
    Path stateDir;

    @Option(names = "--dry-run", description = "Only show what would be reset and deleted.")
    boolean dryRun;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (toDatetime != null && kafkaDatetime(toDatetime) == null) {
            err.println("reset: --to-datetime " + toDatetime + " is not a date-time like 2026-03-01T00:00:00Z"
                    + " (without an offset: UTC)");
            return CorrelatorCli.EXIT_USAGE;
        }
        final ConfigLoader config = cluster.load();
        final String bootstrap = cluster.bootstrap(config);
        if (bootstrap == null) {
            err.println("reset: no Kafka cluster: give --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS");
            return CorrelatorCli.EXIT_USAGE;
        }
        final Properties clients = new Properties();
        clients.putAll(config.kafkaSettings());
        clients.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);

        // The resetter checks this too, but only after it has looked at the topics; say it plainly
        // and before anything, local state included, is touched.
        final List<String> members = activeMembers(clients);
        if (!members.isEmpty()) {
            err.println("reset: application " + applicationId + " is still running (" + members.size()
                    + " member(s): " + String.join(", ", members) + "). Stop every instance, then reset."
                    + " A stopped instance stays a member until its session times out (session.timeout.ms,"
                    + " 45 s by default).");
            return CorrelatorCli.EXIT_FAILURE;
        }

        final List<String> inputs = TopologyShapes.inputTopics(config.correlatorConfig().topics());
        final List<String> args = new ArrayList<>(List.of(
                "--bootstrap-server", bootstrap,
                "--application-id", applicationId,
                "--input-topics", String.join(",", inputs)));
        if (toDatetime != null) {
            args.addAll(List.of("--to-datetime", kafkaDatetime(toDatetime)));
        }
        if (dryRun) {
            args.add("--dry-run");
        }
        out.flush();
        final int code = new StreamsResetter().execute(args.toArray(String[]::new), clients);
        System.out.flush();
        if (code != 0) {
            err.println("reset: Kafka's reset tool failed (exit code " + code + "); local state left as it was");
            return CorrelatorCli.EXIT_FAILURE;
        }

        if (stateDir != null) {
            final Path appState = stateDir.resolve(applicationId);
            if (!Files.exists(appState)) {
                out.println("No local state at " + appState);
            } else if (dryRun) {
                out.println("Would delete local state " + appState);
            } else {
                try {
                    Utils.delete(appState.toFile());
                } catch (IOException e) {
                    err.println("reset: could not delete " + appState + ": " + e.getMessage());
                    return CorrelatorCli.EXIT_FAILURE;
                }
                out.println("Deleted local state " + appState);
            }
        } else {
            out.println("Local state not touched: give --state-dir, or delete <state-dir>/" + applicationId
                    + " on every host before the next run.");
        }
        out.println(dryRun ? "Dry run: nothing was changed." : "Reset done: the next `correlator run --application-id "
                + applicationId + "` reprocesses the input from the reset point.");
        return 0;
    }

    /**
     * ISO-8601 as people write it ({@code 2026-03-01T00:00:00Z}, with an offset, or without one
     * for UTC) in the one form the reset tool parses ({@code yyyy-MM-dd'T'HH:mm:ss.SSS} plus zone);
     * null if it is not a date-time.
     */
    static String kafkaDatetime(String text) {
        Instant instant;
        try {
            instant = OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                instant = LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
        return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC).format(instant);
    }

    private List<String> activeMembers(Properties clients) {
        try (Admin admin = Admin.create(clients)) {
            final ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(applicationId))
                    .describedGroups().get(applicationId).get(30, TimeUnit.SECONDS);
            return group.members().stream().map(m -> m.clientId() + "@" + m.host()).sorted().toList();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return List.of();
            }
            throw new IllegalStateException("Cannot describe group " + applicationId + ": " + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Cannot reach Kafka at " + clients.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)
                    + " within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
