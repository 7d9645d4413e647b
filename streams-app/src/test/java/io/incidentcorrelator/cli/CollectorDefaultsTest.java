package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** picocli takes the collectors' settings from the environment and the --config file, and --help shows them. */
class CollectorDefaultsTest {

    @TempDir
    Path dir;

    private static CommandLine cli(Map<String, String> env) {
        final CommandLine cli = CorrelatorCli.commandLine();
        CollectorDefaults.install(cli, env);
        return cli;
    }

    private static String help(CommandLine cli, String... args) {
        final StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute(args));
        return out.toString();
    }

    @Test
    void helpShowsWhatTheEnvironmentAndTheConfigFileGive() throws Exception {
        final Path file = Files.writeString(dir.resolve("c.properties"),
                "incident-correlator.collect.cluster=lab\nincident-correlator.collect.interval=45s\n");
        final String help = help(cli(Map.of("INCIDENT_CORRELATOR_COLLECT_INTERVAL", "5s")),
                "collect", "etcd", "--config", file.toString(), "--help");
        assertTrue(help.matches("(?s).*--cluster=NAME\\s.*Default: lab.*"), help);
        assertTrue(help.matches("(?s).*--interval=DURATION\\s.*Default: 5s.*"), help); // the environment wins
    }

    @Test
    void theCommandSeesTheValuesItWillUse() throws Exception {
        final Path file = Files.writeString(dir.resolve("c.properties"), "incident-correlator.collect.cluster=lab\n");
        final CommandLine cli = cli(Map.of("INCIDENT_CORRELATOR_COLLECT_INTERVAL", "5s",
                "INCIDENT_CORRELATOR_COLLECT_INSECURE", "yes"));
        cli.parseArgs("collect", "etcd", "--config", file.toString());
        final CollectEtcdCommand etcd = cli.getSubcommands().get("collect").getSubcommands().get("etcd").getCommand();
        assertEquals("lab", etcd.clusterName);
        assertEquals("5s", etcd.interval);
        assertTrue(etcd.tls.insecure, "yes is true, as CollectorSettings.flag reads it");

        final CommandLine flags = cli(Map.of("INCIDENT_CORRELATOR_COLLECT_INTERVAL", "5s"));
        flags.parseArgs("collect", "etcd", "--interval", "1m");
        assertEquals("1m", ((CollectEtcdCommand) flags.getSubcommands().get("collect").getSubcommands().get("etcd")
                .getCommand()).interval, "the command line wins");
    }

    @Test
    void aMistypedCollectorSettingNamesTheNearestOption() throws Exception {
        final CommandLine cli = cli(Map.of());
        final CommandLine.Model.CommandSpec etcd = cli.getSubcommands().get("collect").getSubcommands().get("etcd")
                .getCommandSpec();
        final io.incidentcorrelator.config.ConfigLoader none = io.incidentcorrelator.config.ConfigLoader.load(null, Map.of());
        final ConfigException env = assertThrows(ConfigException.class, () -> CollectorSettings.rejectUnknown(etcd, none,
                Map.of("INCIDENT_CORRELATOR_COLLECT_INSECUR", "true")));
        assertEquals("Unknown setting INCIDENT_CORRELATOR_COLLECT_INSECUR in the environment: did you mean "
                + "INCIDENT_CORRELATOR_COLLECT_INSECURE (--insecure)?", env.getMessage());
        // Another collector's option is no typo (one environment file may serve several), nor a name far from any.
        CollectorSettings.rejectUnknown(etcd, none, Map.of("INCIDENT_CORRELATOR_COLLECT_PROXMOX_URL", "https://pve1:8006",
                "INCIDENT_CORRELATOR_COLLECT_MY_OWN_SECRET", "x"));

        final Path file = Files.writeString(dir.resolve("c.properties"), "incident-correlator.collect.clustr=lab\n");
        final ConfigException key = assertThrows(ConfigException.class, () -> CollectorSettings.rejectUnknown(etcd,
                io.incidentcorrelator.config.ConfigLoader.load(file, Map.of()), Map.of()));
        assertEquals("Unknown setting incident-correlator.collect.clustr in the --config file: did you mean "
                + "incident-correlator.collect.cluster?", key.getMessage());
    }

    @Test
    void aWarningNamesWhereTheEnvironmentOrTheFileSetIt() throws Exception {
        final Map<String, String> env = Map.of("INCIDENT_CORRELATOR_COLLECT_INSECURE", "true");
        final io.incidentcorrelator.config.ConfigLoader none = io.incidentcorrelator.config.ConfigLoader.load(null, Map.of());
        assertEquals("INCIDENT_CORRELATOR_COLLECT_INSECURE", new CollectorSettings(none, env).origin("insecure"));
        final Path file = Files.writeString(dir.resolve("c.properties"), "incident-correlator.collect.insecure=true\n");
        assertEquals("incident-correlator.collect.insecure in the --config file", new CollectorSettings(
                io.incidentcorrelator.config.ConfigLoader.load(file, Map.of()), Map.of()).origin("insecure"));
        assertNull(new CollectorSettings(none, Map.of()).origin("insecure"), "the command line's --insecure");
    }

    @Test
    void aValuePicocliCannotTakeIsLeftToTheSettingsOneLineMessage() {
        final Map<String, String> env = Map.of("INCIDENT_CORRELATOR_COLLECT_HEALTH_PORT", "eighty");
        final CommandLine cli = cli(env);
        cli.parseArgs("collect", "etcd");
        final CollectEtcdCommand etcd = cli.getSubcommands().get("collect").getSubcommands().get("etcd").getCommand();
        assertNull(etcd.healthPort);
        final CollectorSettings settings = new CollectorSettings(io.incidentcorrelator.config.ConfigLoader.load(null, env), env);
        final ConfigException e = assertThrows(ConfigException.class, () -> settings.integer(null, "health-port", 0));
        assertEquals("--health-port (or INCIDENT_CORRELATOR_COLLECT_HEALTH_PORT) is \"eighty\": expected a whole number",
                e.getMessage());
        assertEquals(Duration.ofSeconds(15), settings.duration(etcd.interval, "interval", Duration.ofSeconds(15)));
    }

    @Test
    void everyCollectorsHelpShowsItsBuiltInDefaults() {
        final Map<String, Map<String, String>> expected = Map.of(
                "etcd", Map.of("--interval", "15s"),
                "inventory", Map.of("--interval", "5m", "--timeout", "10s"),
                "kubernetes", Map.of("--log-lines", "40", "--resync", "10m"),
                "proxmox-backup", Map.of("--interval", "30s", "--lookback", "1h", "--timeout", "10s"),
                "proxmox-memory", Map.of("--interval", "30s", "--timeout", "10s"),
                "proxmox-hook", Map.of());
        final Map<String, String> everyCollector = Map.of("--flush-timeout", "30s", "--failure-budget", "5m",
                "--health-bind", "127.0.0.1");
        assertEquals(expected.keySet(), cli(Map.of()).getSubcommands().get("collect").getSubcommands().keySet());
        expected.forEach((command, defaults) -> {
            final String help = help(cli(Map.of()), "collect", command, "--help");
            final Map<String, String> all = new java.util.HashMap<>(everyCollector);
            all.putAll(defaults);
            all.forEach((option, value) -> assertTrue(help.matches("(?s).*" + option + "=\\S+\\s.*?Default: "
                    + java.util.regex.Pattern.quote(value) + "\\b.*"), command + " " + option + ":\n" + help));
        });
    }

    @Test
    void aBadWholeNumberInTheEnvironmentIsNotHiddenByTheBuiltInDefault() {
        final Map<String, String> env = Map.of("INCIDENT_CORRELATOR_COLLECT_LOG_LINES", "forty");
        final CommandLine cli = cli(env);
        cli.parseArgs("collect", "kubernetes");
        final CollectKubernetesCommand kube = cli.getSubcommands().get("collect").getSubcommands().get("kubernetes")
                .getCommand();
        final CollectorSettings settings = new CollectorSettings(io.incidentcorrelator.config.ConfigLoader.load(null, env), env);
        final ConfigException e = assertThrows(ConfigException.class, () -> settings.integer(kube.logLines, "log-lines"));
        assertEquals("--log-lines (or INCIDENT_CORRELATOR_COLLECT_LOG_LINES) is \"forty\": expected a whole number",
                e.getMessage());
    }
}
