package io.incidentcorrelator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code correlator advise ...}: what to change, from what the pipeline has seen. */
@Command(name = "advise",
        mixinStandardHelpOptions = true,
        description = "Advice from the past incidents and the events behind them.",
        subcommands = {AdviseBackupsCommand.class, CommandLine.HelpCommand.class})
final class AdviseCommand {
}
