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
}
