package io.incidentcorrelator.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** docs/configuration.md is generated; this fails when it is out of date (or a key has no meaning). */
class ConfigReferenceTest {

    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void everySettingIsExplainedAndDefinedOnce() {
        final java.util.Set<String> names = new java.util.HashSet<>();
        for (Setting<?> s : CorrelatorSettings.ALL) {
            assertTrue(names.add(s.name()), s.name() + " is defined twice");
            assertFalse(s.doc().isBlank(), s.name() + " has no meaning");
        }
    }

    @Test
    void theDocumentIsUpToDate() throws Exception {
        final String generated = ConfigReference.markdown();
        if (Boolean.getBoolean("config.reference.write")) {
            Files.createDirectories(DOC.getParent());
            Files.writeString(DOC, generated);
        }
        assertTrue(Files.exists(DOC), DOC.toAbsolutePath() + " is missing");
        assertEquals(generated, Files.readString(DOC), "docs/configuration.md is out of date: regenerate it with "
                + "mvn -o -pl streams-app -am test -Dtest=ConfigReferenceTest -Dconfig.reference.write=true "
                + "(or run io.incidentcorrelator.config.ConfigReference docs/configuration.md)");
    }
}
