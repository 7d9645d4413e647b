package io.incidentcorrelator.cli;

import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.replay.ScenarioFormatException;
import io.incidentcorrelator.replay.ScenarioReader;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Scenario files read for a command, each problem said in one line on stderr. */
final class ScenarioInput {

    private ScenarioInput() {
    }

    /**
     * @param command the command's name, for the message when no file holds an event
     * @return the events of all files, or null after printing why they cannot be used
     */
    static List<ScenarioEvent> read(String command, List<Path> scenarios, boolean skipInvalid, PrintWriter err) {
        final List<ScenarioEvent> events = new ArrayList<>();
        final ScenarioReader reader = new ScenarioReader(skipInvalid, warning -> err.println("warning: " + warning));
        for (Path scenario : scenarios) {
            String problem;
            try {
                final List<ScenarioEvent> read = reader.read(scenario);
                if (!read.isEmpty() || skipInvalid) {
                    events.addAll(read);
                    continue;
                }
                problem = scenario + ": no events: the file is empty (or only blank and # lines)";
            } catch (ScenarioFormatException e) {
                problem = e.getMessage();
            } catch (NoSuchFileException e) {
                problem = scenario + ": no such file";
            } catch (IOException e) {
                problem = scenario + ": cannot read: " + e.getMessage();
            }
            err.println(problem);
            err.flush();
            return null;
        }
        if (events.isEmpty()) {
            err.println(command + ": no events in " + scenarios.stream().map(Path::toString).toList());
            err.flush();
            return null;
        }
        return events;
    }
}
