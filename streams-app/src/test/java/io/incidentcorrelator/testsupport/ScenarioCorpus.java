package io.incidentcorrelator.testsupport;

import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.replay.ScenarioEvents;
import io.incidentcorrelator.replay.ScenarioFormatException;
import io.incidentcorrelator.replay.ScenarioReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * {@code copies} copies of every scenario, the k-th with every timestamp moved {@code k * apart}
     * later: weeks of history on one inventory, as after a long downtime or a reset.
     */
    public static List<ScenarioEvent> repeated(int copies, Duration apart) {
        final List<ScenarioEvent> events = new ArrayList<>();
        for (String name : ALL) {
            final String text = resource(name);
            for (int k = 0; k < copies; k++) {
                try {
                    events.addAll(new ScenarioReader(false, warning -> { })
                            .read(name + "+" + k + ".jsonl", new StringReader(shifted(text, apart.multipliedBy(k)))));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (ScenarioFormatException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
        }
        return ScenarioEvents.orderForReplay(events);
    }

    /** Scenario text with every timestamp in it moved {@code shift} later (earlier when negative). */
    public static String shifted(String text, Duration shift) {
        final Matcher m = TIMESTAMP.matcher(text);
        final StringBuilder shifted = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(shifted, '"' + Instant.parse(m.group(1)).plus(shift).toString() + '"');
        }
        m.appendTail(shifted);
        return shifted.toString();
    }

    /** The scenario moved so that its newest event is {@code ago} before now (to the minute): last night, as a backfill gives it. */
    public static String endingAgo(String text, Duration ago) {
        return shifted(text, Duration.between(newest(text), Instant.now().minus(ago)).truncatedTo(ChronoUnit.MINUTES));
    }

    /** The newest timestamp in scenario text. */
    public static Instant newest(String text) {
        return TIMESTAMP.matcher(text).results().map(r -> Instant.parse(r.group(1))).max(Instant::compareTo)
                .orElseThrow(() -> new IllegalArgumentException("no timestamp in the scenario"));
    }

    private static final Pattern TIMESTAMP = Pattern.compile("\"(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z)\"");

    private static String resource(String name) {
        final String resource = "/scenarios/" + name + ".jsonl";
        try (InputStream in = ScenarioCorpus.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no " + resource + " on the test classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
