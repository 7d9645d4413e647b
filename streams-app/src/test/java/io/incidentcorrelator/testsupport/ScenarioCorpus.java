package io.incidentcorrelator.testsupport;

import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.replay.ScenarioEvents;
import io.incidentcorrelator.replay.ScenarioFormatException;
import io.incidentcorrelator.replay.ScenarioReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Every scenario of the repository as one input: nine days of restarts and evidence (about
 * 12,000 events) on the same inventory. The days are far apart, so the scenarios do not
 * disturb each other, and together they are big enough to be interrupted many times.
 */
public final class ScenarioCorpus {

    public static final List<String> ALL = List.of(
            "backup-window-scheduler", "kube-state-metrics-stagger", "oom-and-pull-failures",
            "api-server-unreachable", "balloon-reclaim", "etcd-fragmentation", "late-night-grouping",
            "noisy-neighbour", "target-host-and-real-crash");

    /** The three scenarios shipped with the app (about 3,400 events): for tests that run the input several times. */
    public static final List<String> BUNDLED = List.of(
            "backup-window-scheduler", "kube-state-metrics-stagger", "oom-and-pull-failures");

    private ScenarioCorpus() {
    }

    /** All scenarios, in replay order (inventory first, then event time; exact duplicates once). */
    public static List<ScenarioEvent> all() {
        return read(ALL);
    }

    public static List<ScenarioEvent> read(List<String> scenarios) {
        final List<ScenarioEvent> events = new ArrayList<>();
        for (String name : scenarios) {
            final String resource = "/scenarios/" + name + ".jsonl";
            try (InputStream in = ScenarioCorpus.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("no " + resource + " on the test classpath");
                }
                try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                    events.addAll(new ScenarioReader(false, warning -> { }).read(name + ".jsonl", reader));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (ScenarioFormatException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        return ScenarioEvents.orderForReplay(events);
    }
}
