package io.incidentcorrelator.sinks;

import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.security.Scrubber;
import io.incidentcorrelator.security.SecretFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Secrets come from a file (a mounted Kubernetes or Docker secret) or from an environment
 * variable named on the command line, never from the command line itself, where {@code ps}
 * and shell history would show them. Every secret read here is registered with the
 * {@link Scrubber}, and a file anyone can read gets a WARN.
 */
public final class Secrets {

    private Secrets() {
    }

    /**
     * @param what    what the secret is for, in error messages (never the value)
     * @param envName variable holding it, or null
     * @param file    file holding it (wins over the variable), or null
     * @return the secret without surrounding whitespace, or null when neither source is given
     */
    public static String read(String what, String envName, Path file, Map<String, String> env) {
        if (file != null) {
            SecretFiles.warnIfReadableByOthers(file, what);
            try {
                final String value = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (value.isEmpty()) {
                    throw new ConfigException(what + ": file " + file + " is empty");
                }
                Scrubber.register(value);
                return value;
            } catch (IOException e) {
                throw new ConfigException(what + ": cannot read " + file + ": " + e.getMessage());
            }
        }
        if (envName != null) {
            final String value = env.get(envName);
            if (value == null || value.isBlank()) {
                throw new ConfigException(what + ": environment variable " + envName + " is not set");
            }
            Scrubber.register(value.strip());
            return value.strip();
        }
        return null;
    }
}
