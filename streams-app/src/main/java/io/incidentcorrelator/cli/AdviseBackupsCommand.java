package io.incidentcorrelator.cli;

import io.incidentcorrelator.advise.AdviceJson;
import io.incidentcorrelator.advise.AdviceText;
import io.incidentcorrelator.advise.BackupAdvice;
import io.incidentcorrelator.advise.BackupAdvisor;
import io.incidentcorrelator.advise.BackupHistory;
import io.incidentcorrelator.advise.SincePeriod;
import io.incidentcorrelator.advise.StartWindow;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.replay.ReplayRunner;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.runtime.BackupHistoryTopics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code correlator advise backups}: when each backup job should start. */
@Command(name = "backups",
        mixinStandardHelpOptions = true,
        description = {
                "How long each backup job runs, which ones overlap, and start times that keep them apart.",
                "Reports, per backup job, how long it really runs, which contending jobs overlapped each night",
                "(same target host, same source host, or hosts holding one cluster's control plane), which incidents",
                "named each job, and start times inside --window that keep contending jobs apart at their p95",
                "duration plus the cool-down, as Proxmox calendar events. Reads the backup-events, inventory,",
                "storage-locations and incidents topics of a running pipeline, or replays --scenario files.",
                "The estimate counts past restarts; it does not predict. Exit codes: 0 done, 2 bad input, 1 failure."})
final class AdviseBackupsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--scenario", arity = "1..*", paramLabel = "FILE",
            description = "Offline: replay these scenario files (as `replay` does) instead of reading the topics.")
    List<Path> scenarios;

    @Option(names = "--since", paramLabel = "SPAN|DATE", defaultValue = "30d",
            description = "How far back: a span before the newest backup phase seen (30d, 2w, 36h), a date (UTC) or an "
                    + "ISO-8601 time (default: ${DEFAULT-VALUE}).")
    String since;

    @Option(names = "--window", paramLabel = "HH:MM-HH:MM",
            description = "Where the proposal may start jobs, e.g. 01:00-06:00 (default: from the earliest start to the "
                    + "latest p95 end the jobs use today).")
    String window;

    @Option(names = "--time-zone", paramLabel = "ZONE", defaultValue = "UTC",
            description = "The zone of the Proxmox hosts' calendar, e.g. Pacific/Auckland (default: ${DEFAULT-VALUE}).")
    String timeZone;

    @Option(names = "--json", description = "The report as one JSON object.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No replay progress on stderr.")
    boolean quiet;

    @Override
    public Integer call() {
        final PrintWriter err = spec.commandLine().getErr();
        final BackupAdvisor.Settings settings;
        final ConfigLoader config = cluster.load();
        final CorrelatorConfig correlator = config.correlatorConfig();
        try {
            settings = new BackupAdvisor.Settings(SincePeriod.parse(since),
                    window == null ? null : StartWindow.parse(window), zone(timeZone),
                    correlator.classifier().backupCoolDown());
        } catch (IllegalArgumentException e) {
            err.println("advise backups: " + e.getMessage());
            err.flush();
            return CorrelatorCli.EXIT_USAGE;
        }
        final BackupHistory history;
        if (scenarios != null) {
            if (cluster.bootstrapServers != null || cluster.schemaRegistryUrl != null) {
                err.println("advise backups: --scenario replays offline; leave out --bootstrap-servers and "
                        + "--schema-registry-url, or --scenario to read the running pipeline's topics");
                err.flush();
                return CorrelatorCli.EXIT_USAGE;
            }
            final List<ScenarioEvent> events = ScenarioInput.read("advise backups", scenarios, false, err);
            if (events == null) {
                return CorrelatorCli.EXIT_USAGE;
            }
            // The same replay path as `replay`: the incidents are the pipeline's, not re-derived here.
            final List<Incident> incidents = new ReplayRunner(ReplayRunner.Options.embedded(correlator,
                    quiet ? null : message -> {
                        err.println("advise backups: " + message);
                        err.flush();
                    })).run(events);
            history = BackupHistory.of(events, incidents);
        } else {
            final ExistingCluster kafka = ExistingCluster.from(cluster);
            history = BackupHistoryTopics.read(kafka.bootstrapServers(), kafka.registry(), kafka.clientOverrides(),
                    correlator.topics());
        }
        final BackupAdvice advice;
        try {
            advice = new BackupAdvisor(settings).advise(history);
        } catch (IllegalArgumentException e) {
            err.println("advise backups: " + e.getMessage());
            err.flush();
            return CorrelatorCli.EXIT_USAGE;
        }
        final PrintWriter out = spec.commandLine().getOut();
        out.print(json ? AdviceJson.toJson(advice).toPrettyString() + "\n" : AdviceText.render(advice));
        out.flush();
        return 0;
    }

    private static ZoneId zone(String id) {
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("--time-zone: unknown zone '" + id + "'; expected a region like "
                    + "Pacific/Auckland or an offset like +13:00");
        }
    }
}
