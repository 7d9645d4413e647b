package io.incidentcorrelator.collectors.proxmox.hook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The shared secret the vzdump hook sends as {@code Authorization: Bearer …}. It is read from a
 * root-only file on both sides and never logged; {@link #toString()} masks it.
 */
public final class HookToken {

    private final byte[] digest;

    private HookToken(String secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.isBlank()) {
            throw new IllegalArgumentException("hook token is empty");
        }
        this.digest = sha256(secret);
    }

    /** For tests and callers that already hold the secret. */
    public static HookToken of(String secret) {
        return new HookToken(secret);
    }

    /** Reads the token from a file; surrounding whitespace (the trailing newline) is dropped. */
    public static HookToken fromFile(Path file) {
        try {
            return new HookToken(Files.readString(file, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read hook token file " + file, e);
        }
    }

    /**
     * Compares in constant time. Both sides are hashed first, so neither the content nor the
     * length of the real token leaks through timing.
     */
    boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "HookToken[****]";
    }
}
