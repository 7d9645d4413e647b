package io.incidentcorrelator.collectors.proxmox.hook;

import io.incidentcorrelator.security.Scrubber;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * A secret the vzdump hook sends as {@code Authorization: Bearer …} (one per node, see
 * {@link HookCredentials}). It is read from a root-only file on both sides and never logged;
 * {@link #toString()} masks it.
 */
public final class HookToken {

    private final byte[] digest;

    private HookToken(String secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.isBlank()) {
            throw new IllegalArgumentException("hook token is empty");
        }
        this.digest = sha256(secret);
        Scrubber.register(secret);
    }

    /** For tests and callers that already hold the secret. */
    public static HookToken of(String secret) {
        return new HookToken(secret);
    }

    /**
     * Compares in constant time. Both sides are hashed first, so neither the content nor the
     * length of the real token leaks through timing.
     */
    boolean matches(String presented) {
        return presented != null && matchesDigest(sha256(presented));
    }

    boolean matchesDigest(byte[] presentedDigest) {
        return MessageDigest.isEqual(digest, presentedDigest);
    }

    /** Same secret, same token: lets a token file refuse one token for two nodes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof HookToken t && MessageDigest.isEqual(digest, t.digest);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(digest);
    }

    static byte[] sha256(String s) {
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
