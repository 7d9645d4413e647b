package io.incidentcorrelator.collectors.proxmox;

import io.incidentcorrelator.security.Scrubber;
import io.incidentcorrelator.security.SecretFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A Proxmox VE API token: the id {@code USER@REALM!TOKENID} and its secret.
 *
 * <p>The secret comes from an environment variable or a file, never from a command line or a
 * config file that might be shared. It is only ever put into the {@code Authorization} header;
 * {@link #toString()} masks it, so configs and log lines that print the token are safe.
 */
public final class ApiToken {

    private static final Pattern TOKEN_ID = Pattern.compile("[^@!\\s]+@[^@!\\s]+![A-Za-z][A-Za-z0-9._-]*");

    private final String tokenId;
    private final String secret;

    private ApiToken(String tokenId, String secret) {
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(secret, "secret");
        if (!TOKEN_ID.matcher(tokenId).matches()) {
            throw new IllegalArgumentException("API token id must look like USER@REALM!TOKENID, got '" + tokenId + "'");
        }
        if (secret.isBlank()) {
            throw new IllegalArgumentException("API token secret for " + tokenId + " is empty");
        }
        this.tokenId = tokenId;
        this.secret = secret;
        Scrubber.register(secret);
    }

    /** For tests and for callers that already hold the secret. */
    public static ApiToken of(String tokenId, String secret) {
        return new ApiToken(tokenId, secret);
    }

    public static ApiToken fromEnv(String tokenId, String envVar) {
        return fromEnv(tokenId, envVar, System::getenv);
    }

    static ApiToken fromEnv(String tokenId, String envVar, Function<String, String> env) {
        final String value = env.apply(envVar);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("environment variable " + envVar + " (API token secret) is not set");
        }
        return new ApiToken(tokenId, value.trim());
    }

    /** Reads the secret from a file (e.g. a mounted Kubernetes secret); surrounding whitespace is dropped. */
    public static ApiToken fromFile(String tokenId, Path file) {
        SecretFiles.warnIfReadableByOthers(file, "Proxmox API token secret");
        try {
            return new ApiToken(tokenId, Files.readString(file, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read API token secret file " + file, e);
        }
    }

    public String tokenId() {
        return tokenId;
    }

    /** The header value; the only place the secret leaves this object. */
    String authorizationHeader() {
        return "PVEAPIToken=" + tokenId + "=" + secret;
    }

    @Override
    public String toString() {
        return "ApiToken[" + tokenId + ", secret=****]";
    }
}
