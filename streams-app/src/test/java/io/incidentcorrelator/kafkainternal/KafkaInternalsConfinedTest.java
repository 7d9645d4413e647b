package io.incidentcorrelator.kafkainternal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A Kafka upgrade touches one package: no other main class imports Kafka's internal APIs. */
class KafkaInternalsConfinedTest {

    private static final Pattern INTERNAL = Pattern.compile(
            "^import\\s+(static\\s+)?(kafka\\.|org\\.apache\\.kafka\\.\\S*\\.internals\\.|org\\.apache\\.kafka\\.(server|metadata|raft|storage|controller|coordinator)\\.)",
            Pattern.MULTILINE);

    @Test
    void onlyThisPackageImportsKafkaInternals() throws IOException {
        final Path main = Path.of("src/main/java");
        final Path here = main.resolve("io/incidentcorrelator/kafkainternal");
        try (Stream<Path> files = Files.walk(main)) {
            final List<String> offenders = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.startsWith(here))
                    .filter(f -> INTERNAL.matcher(read(f)).find())
                    .map(Path::toString)
                    .toList();
            assertThat(offenders).as("main classes importing Kafka internals outside kafkainternal").isEmpty();
        }
        assertThat(INTERNAL.matcher(read(here.resolve("KRaftNode.java"))).find())
                .as("the pattern recognises the imports it guards").isTrue();
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
