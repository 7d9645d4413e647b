package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.backfill.Backfill;
import io.incidentcorrelator.collectors.backfill.BackfillConfig;
import io.incidentcorrelator.collectors.backfill.PrometheusSource;
import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code correlator backfill}: the past, from the sources that keep it, into one scenario file. */
@Command(name = "backfill",
        mixinStandardHelpOptions = true,
        description = {
                "Pulls a period of history from the sources into one scenario file for `correlator replay`.",
                "%nProxmox vzdump task history and RRD memory/CPU (--proxmox-url ...), and per cluster a Prometheus "
                        + "with etcd histograms and kube-state-metrics restarts (--prometheus-url URL "
                        + "--prometheus-cluster NAME, repeatable); the inventory first (--inventory). Each source is "
                        + "optional; one that fails is listed on stderr and in the file, and the others still run. "
                        + "Settings as for `collect` (INCIDENT_CORRELATOR_COLLECT_<OPTION>, "
                        + "incident-correlator.collect.<option> in --config).",
                "%nExit codes: 0 done; 1 a source failed (the file has the rest); 2 usage or settings."})
final class BackfillCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--since", required = true, paramLabel = "TIME",
            description = "Start, ISO-8601 with offset (2026-02-26T00:00:00Z) or a date (UTC midnight).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "End, same forms (default: now).")
    String until;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "Scenario file to write.")
    Path out;

    @Option(names = "--inventory", paramLabel = "FILE",
            description = "Inventory YAML written first (env INCIDENT_CORRELATOR_COLLECT_INVENTORY).")
    Path inventory;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file with incident-correlator.collect.* settings.")
    Path configFile;

    @Mixin
    ProxmoxOptions proxmox;

    @ArgGroup(exclusive = false, multiplicity = "0..*", heading = "Prometheus (repeat the group per cluster):%n")
    List<Prometheus> prometheus = new ArrayList<>();

    static final class Prometheus {
        @Option(names = "--prometheus-url", required = true, paramLabel = "URL",
                description = "Prometheus (or compatible) base URL, e.g. http://prometheus.monitoring:9090.")
        URI url;

        @Option(names = "--prometheus-cluster", required = true, paramLabel = "NAME",
                description = "Cluster name for its etcd samples and restarts.")
        String cluster;

        @Option(names = "--prometheus-selector", paramLabel = "MATCHERS",
                description = "Label matchers added to every query, e.g. cluster=\"prod\".")
        String selector;

        @Option(names = "--prometheus-step", paramLabel = "DURATION", description = "Resolution (default 60s).")
        String step;

        PrometheusSource source() {
            PrometheusSource s = PrometheusSource.of(url, cluster).withSelector(selector);
            if (step != null) {
                s = s.withStep(ConfigLoader.parseDuration(step));
            }
            return s;
        }
    }

    @Override
    public Integer call() throws Exception {
        final PrintWriter err = spec.commandLine().getErr();
        final String badOut = OutputFile.problem(out, "--out");
        if (badOut != null) {
            err.println("backfill: " + badOut);
            return CorrelatorCli.EXIT_USAGE;
        }
        final ConfigLoader loaded = ConfigLoader.load(configFile, System.getenv());
        CollectorSettings.rejectUnknown(spec, loaded, System.getenv());
        final CollectorSettings settings = new CollectorSettings(loaded, System.getenv());
        BackfillConfig config;
        try {
            config = BackfillConfig.of(time(since, "--since"), until == null ? Instant.now() : time(until, "--until"))
                    .withPrometheus(prometheus.stream().map(Prometheus::source).toList());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (proxmox.configured(settings)) {
            config = config.withProxmox(proxmox.config(settings, Duration.ofSeconds(30)));
        }
        final Path inventoryFile = settings.path(inventory, "inventory");
        if (inventoryFile != null) {
            config = config.withInventory(InventoryOptions.load(inventoryFile));
        }

        // Into a temporary file moved into place: a half-written scenario must not look complete.
        final BackfillConfig finalConfig = config;
        final Backfill.Report report = OutputFile.write(out, writer -> new Backfill(finalConfig).run(writer));
        err.printf("backfill: %s: %s%n", out, report.lines().isEmpty() ? "no events"
                : report.lines().entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", ")));
        report.failures().forEach(f -> err.println("backfill: FAILED: " + f));
        err.flush();
        return report.failures().isEmpty() ? 0 : CorrelatorCli.EXIT_FAILURE;
    }

    static Instant time(String text, String option) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notDateTime) {
            try {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e) {
                throw new ConfigException(option + " \"" + text + "\": expected an ISO-8601 time with offset "
                        + "(2026-02-26T02:00:00Z) or a date (2026-02-26)");
            }
        }
    }
}
