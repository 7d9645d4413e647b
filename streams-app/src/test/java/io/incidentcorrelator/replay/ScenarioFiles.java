package io.incidentcorrelator.replay;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The bundled scenarios, read from the classpath as the demo reads them. */
final class ScenarioFiles {

    static final List<String> BUNDLED = List.of(
            "backup-window-scheduler", "kube-state-metrics-stagger", "oom-and-pull-failures");

    private ScenarioFiles() {
    }

    static String text(String scenario) {
        try (InputStream in = ScenarioFiles.class.getResourceAsStream("/scenarios/" + scenario + ".jsonl")) {
            if (in == null) {
                throw new IllegalArgumentException("no scenarios/" + scenario + ".jsonl on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<ScenarioEvent> read(String scenario) throws IOException, ScenarioFormatException {
        try (Reader reader = new InputStreamReader(
                ScenarioFiles.class.getResourceAsStream("/scenarios/" + scenario + ".jsonl"), StandardCharsets.UTF_8)) {
            return new ScenarioReader(false, ScenarioFiles::noWarnings).read(scenario + ".jsonl", reader);
        }
    }

    /** Reads {@code text} with a strict reader; warnings are collected into {@code warnings}. */
    static List<ScenarioEvent> read(String name, String text, List<String> warnings)
            throws IOException, ScenarioFormatException {
        return new ScenarioReader(false, warnings::add).read(name, new StringReader(text));
    }

    static List<String> lines(String text) {
        return new ArrayList<>(text.lines().toList());
    }

    private static void noWarnings(String warning) {
        throw new AssertionError("unexpected warning: " + warning);
    }
}
