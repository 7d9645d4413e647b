package io.incidentcorrelator.cli;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.diff.DiffReportFormat;
import io.incidentcorrelator.diff.IncidentDiff;
import io.incidentcorrelator.replay.IncidentJsonReader;
import io.incidentcorrelator.replay.ScenarioFormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code correlator diff}: what changed between two incident files. */
@Command(name = "diff",
        mixinStandardHelpOptions = true,
        description = {
                "Shows which incidents appeared, disappeared or changed between two incident files.",
                "Compares two incident JSON Lines files (replay --out, or incidents tail --json; the newest revision",
                "of each id counts) and reports the incidents that appeared, disappeared, were reclassified or",
                "changed (transient, pods, restarts, window). Incidents are matched by id, and because ids embed the",
                "category, also by cluster, pods and overlapping window: the same restarts under a new category.",
                "Exit codes: 0 compared (whatever the result), 2 unreadable input."})
final class DiffCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BEFORE.jsonl", description = "Incidents before.")
    Path before;

    @Parameters(index = "1", paramLabel = "AFTER.jsonl", description = "Incidents after.")
    Path after;

    @Option(names = "--json", description = "The report as one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
        final PrintWriter err = spec.commandLine().getErr();
        final List<Incident> a = read(before, err);
        final List<Incident> b = a == null ? null : read(after, err);
        if (b == null) {
            return CorrelatorCli.EXIT_USAGE;
        }
        print(spec.commandLine().getOut(), IncidentDiff.compare(a, b), json);
        return 0;
    }

    /** The incidents of {@code file}, or null after saying on {@code err} why not. */
    static List<Incident> read(Path file, PrintWriter err) {
        try {
            return IncidentJsonReader.read(file);
        } catch (ScenarioFormatException e) {
            err.println(e.getMessage());
        } catch (NoSuchFileException e) {
            err.println(file + ": no such file");
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
        }
        err.flush();
        return null;
    }

    static void print(PrintWriter out, IncidentDiff.Report report, boolean json) {
        if (json) {
            out.println(DiffReportFormat.json(report));
        } else {
            out.print(DiffReportFormat.text(report));
        }
        out.flush();
    }
}
