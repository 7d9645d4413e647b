package io.incidentcorrelator.cli;

import io.incidentcorrelator.sinks.IncidentAlerts;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

class CorrelatorCliTest {

    private static int run(StringWriter err, String... args) {
        final CommandLine cli = CorrelatorCli.commandLine();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        return cli.execute(args);
    }

    @Test
    void usageErrorsExitWithTwoAndSayWhatWasWrong() {
        final StringWriter err = new StringWriter();
        assertEquals(CorrelatorCli.EXIT_USAGE, run(err, "replay"));
        assertTrue(err.toString().contains("Missing required parameter"), err.toString());

        final StringWriter err2 = new StringWriter();
        assertEquals(CorrelatorCli.EXIT_USAGE, run(err2, "no-such-command"));
        assertTrue(err2.toString().contains("no-such-command"), err2.toString());
    }

    @Test
    void aBadSettingIsAUsageErrorNamingTheSetting() throws Exception {
        final java.nio.file.Path config = java.nio.file.Files.createTempFile("correlator", ".properties");
        java.nio.file.Files.writeString(config, "incident-correlator.grouping-gap=soon\n");
        final StringWriter err = new StringWriter();
        assertEquals(CorrelatorCli.EXIT_USAGE, run(err, "replay", "--config", config.toString(), "x.jsonl"));
        assertTrue(err.toString().contains("incident-correlator.grouping-gap"), err.toString());
        assertTrue(err.toString().contains("INCIDENT_CORRELATOR_GROUPING_GAP"), err.toString());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String name : CorrelatorCli.commandLine().getSubcommands().keySet()) {
            final StringWriter out = new StringWriter();
            final CommandLine cli = CorrelatorCli.commandLine();
            cli.setOut(new PrintWriter(out));
            assertEquals(0, cli.execute(name, "--help"), name);
            assertTrue(out.toString().contains("Usage:"), name + ": " + out);
        }
    }

    /** No description line is broken short in mid-sentence: picocli wraps whole paragraphs at 80 columns. */
    @Test
    void descriptionsWrapAsParagraphs() {
        final java.util.List<CommandLine> commands = new java.util.ArrayList<>(java.util.List.of(CorrelatorCli.commandLine()));
        for (int i = 0; i < commands.size(); i++) {
            commands.addAll(commands.get(i).getSubcommands().values());
        }
        for (CommandLine command : commands) {
            final java.util.List<String> lines = command.getHelp().description().lines().toList();
            for (int i = 0; i + 1 < lines.size(); i++) {
                final String line = lines.get(i).stripTrailing();
                assertTrue(line.isEmpty() || lines.get(i + 1).isBlank() || line.endsWith(".") || line.endsWith(":")
                        || line.length() >= 50, command.getCommandSpec().qualifiedName() + " breaks short after '"
                        + line + "':\n" + command.getHelp().description());
            }
        }
        assertArrayEquals(new String[]{"Summary.", "One sentence written over two lines.", "Another.", "",
                "A paragraph."}, CorrelatorCli.paragraphs(new String[]{"Summary.", "One sentence written", "over two lines.",
                "Another.", "", "A paragraph."}));
    }

    @Test
    void sinkAlertmanagerWithoutAlertOptionsAlertsAsTheHomelabFileDoes() {
        final CommandLine cli = CorrelatorCli.commandLine();
        cli.parseArgs("sink", "alertmanager", "--alertmanager-url", "http://127.0.0.1:9093");
        final SinkAlertmanagerCommand command = cli.getSubcommands().get("sink").getSubcommands().get("alertmanager")
                .getCommand();
        final IncidentAlerts.Settings homelab = IncidentAlerts.Settings.defaults(null);
        assertEquals(homelab.resendEvery(), command.alertResend);
        assertEquals(homelab.maxAge(), command.alertMaxAge);
        assertEquals(homelab.alertName(), command.incidentAlertName);
        assertEquals("cluster", homelab.clusterLabel());
        assertEquals(java.time.Duration.ofMinutes(1), homelab.resendEvery());
        assertEquals(java.time.Duration.ofHours(6), homelab.maxAge());
    }
}
