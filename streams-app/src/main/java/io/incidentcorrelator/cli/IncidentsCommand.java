package io.incidentcorrelator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code correlator incidents ...}: reading the incidents topic. */
@Command(name = "incidents",
        mixinStandardHelpOptions = true,
        description = "Read the incidents topic of a running pipeline.",
        subcommands = {IncidentsTailCommand.class, CommandLine.HelpCommand.class})
final class IncidentsCommand {
}
