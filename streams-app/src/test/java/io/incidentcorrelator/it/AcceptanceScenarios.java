package io.incidentcorrelator.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every acceptance scenario the project carries: an {@code NAME.expected.json} in the test
 * resources and its {@code NAME.jsonl} beside it or among the bundled demo scenarios.
 */
final class AcceptanceScenarios {

    record Scenario(String name, Path events, Path expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private AcceptanceScenarios() {
    }

    static List<Scenario> all() {
        final Path expectedDir = resourceDir("scenarios/backup-window-scheduler.expected.json");
        final Path bundledDir = Path.of("src/main/resources/scenarios").toAbsolutePath();
        try (Stream<Path> files = Files.list(expectedDir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".expected.json"))
                    .sorted()
                    .map(expected -> {
                        final String name = expected.getFileName().toString().replace(".expected.json", "");
                        Path events = expectedDir.resolve(name + ".jsonl");
                        if (!Files.exists(events)) {
                            events = bundledDir.resolve(name + ".jsonl");
                        }
                        if (!Files.exists(events)) {
                            throw new IllegalStateException("no events file for scenario " + name);
                        }
                        return new Scenario(name, events, expected);
                    })
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> bundled() {
        final Path dir = Path.of("src/main/resources/scenarios").toAbsolutePath();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path resourceDir(String resource) {
        final URL url = AcceptanceScenarios.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("no " + resource + " on the test classpath");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
