package io.incidentcorrelator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code correlator sink ...}: incidents out to the systems that act on them. */
@Command(name = "sink",
        mixinStandardHelpOptions = true,
        description = {
                "Hands incidents to Alertmanager or a webhook.",
                "Long-running consumers of the incidents topic that hand incidents to other systems. Each commits",
                "its position in a consumer group after acting on a batch, so a restart goes on where it stopped",
                "(at least once). Run one instance of each."},
        subcommands = {SinkAlertmanagerCommand.class, SinkWebhookCommand.class, CommandLine.HelpCommand.class})
final class SinkCommand {
}
