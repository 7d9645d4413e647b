package io.incidentcorrelator.testsupport;

import io.incidentcorrelator.replay.ScenarioEvent;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The reference a disturbed run is held to: the same events through the same topology and
 * settings, undisturbed, on topics of its own ({@code ref-}); and the comparison of the two.
 */
public final class CleanRun {

    private CleanRun() {
    }

    /**
     * What an undisturbed run committed.
     *
     * @param revisions  every committed revision per incident id
     * @param processing how long the run took to consume the events, to place kills within it
     */
    public record Result(Map<String, List<String>> revisions, Duration processing) {
    }

    /** Every committed revision per incident id of an undisturbed run over {@code events}. */
    public static Map<String, List<String>> revisions(String bootstrap, String registryUrl, List<ScenarioEvent> events,
                                                      int partitions, Map<String, String> settings, Path workDir) {
        return run(bootstrap, registryUrl, events, partitions, settings, workDir).revisions();
    }

    public static Result run(String bootstrap, String registryUrl, List<ScenarioEvent> events,
                             int partitions, Map<String, String> settings, Path workDir) {
        return run(new PipelineRig(bootstrap, registryUrl, "ref-", partitions), events, settings, workDir);
    }

    /** The undisturbed run on {@code rig}'s topics (give it a prefix of its own). */
    public static Result run(PipelineRig rig, List<ScenarioEvent> events, Map<String, String> settings, Path workDir) {
        final String bootstrap = rig.bootstrap();
        final String registryUrl = rig.registryUrl();
        rig.createTopics();
        final Instant last = rig.produce(events);
        final Path config = rig.writeConfig(workDir, settings);
        final String appId = "reference";
        final long started = System.nanoTime();
        final Duration processing;
        try (InProcessCorrelator run = InProcessCorrelator.start(config, bootstrap, registryUrl, appId,
                workDir.resolve("reference-state"))) {
            rig.awaitCaughtUp(appId, Duration.ofMinutes(3), run::isAlive);
            processing = Duration.ofNanos(System.nanoTime() - started);
            rig.produceTick(last);
            rig.awaitCaughtUp(appId, Duration.ofMinutes(1), run::isAlive);
        }
        return new Result(rig.committedRevisions(), processing);
    }

    /**
     * What differs between the committed revisions of the reference and of the run under test,
     * per incident id; empty when they are the same. The first lines are what a reader of the
     * incident topic would notice: an incident missing, one too many, a revision duplicated.
     */
    public static List<String> differences(Map<String, List<String>> expected, Map<String, List<String>> actual) {
        final List<String> out = new ArrayList<>();
        final Set<String> ids = new TreeSet<>(expected.keySet());
        ids.addAll(actual.keySet());
        for (String id : ids) {
            final List<String> want = expected.get(id);
            final List<String> got = actual.get(id);
            if (got == null) {
                out.add("missing incident " + id + " (" + want.size() + " revisions in the clean run)");
            } else if (want == null) {
                out.add("unexpected incident " + id + " (" + got.size() + " revisions)");
            } else if (!want.equals(got)) {
                out.add("incident " + id + ": " + want.size() + " revisions in the clean run, " + got.size()
                        + " here; first difference at #" + (firstDifference(want, got) + 1)
                        + "\n    clean: " + at(want, firstDifference(want, got))
                        + "\n    here:  " + at(got, firstDifference(want, got)));
            }
        }
        return out;
    }

    private static int firstDifference(List<String> a, List<String> b) {
        int i = 0;
        while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
            i++;
        }
        return i;
    }

    private static String at(List<String> list, int i) {
        return i < list.size() ? list.get(i) : "(none)";
    }
}
