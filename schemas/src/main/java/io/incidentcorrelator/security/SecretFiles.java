package io.incidentcorrelator.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Checks on the files secrets are read from. */
public final class SecretFiles {

    private static final Logger LOG = LoggerFactory.getLogger(SecretFiles.class);

    private SecretFiles() {
    }

    /**
     * WARNs when every user of the machine can read {@code file}: the secret is still used (a
     * refused start would only push people to worse places), but the line says how to fix it.
     */
    public static void warnIfReadableByOthers(Path file, String what) {
        try {
            final Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("SECURITY: {} file {} is readable by every user (mode {}); chmod 600 it", what, file,
                        PosixFilePermissions.toString(mode));
            }
        } catch (UnsupportedOperationException | IOException e) {
            // No POSIX modes (Windows) or not readable: the read itself reports the latter.
        }
    }
}
