package io.incidentcorrelator.collectors.proxmox.hook;

import io.incidentcorrelator.topics.TopicNames;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the vzdump hook endpoint listens.
 *
 * @param bind        address and port; port 0 picks a free one (tests)
 * @param credentials the tokens callers must send, or null to accept any caller (only on loopback)
 * @param backupTopic topic for the {@code BackupEvent}s
 * @param tls         certificate and key to serve HTTPS with, or null for plain HTTP
 * @param limits      what one caller may hold of the endpoint
 */
public record HookConfig(InetSocketAddress bind, HookCredentials credentials, String backupTopic, Tls tls,
                         Limits limits) {

    /** The port the shipped hook script posts to by default. */
    public static final int DEFAULT_PORT = 9477;

    /** PEM files: the certificate (chain) and its private key (PKCS#8, or PKCS#1 RSA). */
    public record Tls(Path certificate, Path privateKey) {
        public Tls {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(privateKey, "privateKey");
        }
    }

    /**
     * @param requestTimeout   time from connect until the whole request (headers and body) is in;
     *                         a client still sending then is disconnected
     * @param maxConnections   open connections in all; when full, the oldest unanswered one is dropped
     * @param maxPerAddress    open connections from one source address; beyond, its own oldest is dropped
     * @param rejectionLogEvery at most one WARN about rejected requests per this interval
     */
    public record Limits(Duration requestTimeout, int maxConnections, int maxPerAddress, Duration rejectionLogEvery) {
        public Limits {
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(rejectionLogEvery, "rejectionLogEvery");
            if (maxConnections < 1 || maxPerAddress < 1 || maxPerAddress > maxConnections) {
                throw new IllegalArgumentException("need 1 <= maxPerAddress <= maxConnections");
            }
        }

        /** vzdump posts a few hundred bytes in one go; 10 s covers a slow link with room to spare. */
        public static Limits defaults() {
            return new Limits(Duration.ofSeconds(10), 256, 32, Duration.ofMinutes(1));
        }
    }

    public HookConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(backupTopic, "backupTopic");
        Objects.requireNonNull(limits, "limits");
    }

    /** No token, plain HTTP, default limits, the contract's topic. */
    public static HookConfig of(InetSocketAddress bind) {
        return new HookConfig(bind, null, TopicNames.defaults().backupEvents(), null, Limits.defaults());
    }

    /** One token shared by every node. */
    public HookConfig withToken(HookToken token) {
        return withCredentials(HookCredentials.shared(token));
    }

    public HookConfig withCredentials(HookCredentials newCredentials) {
        return new HookConfig(bind, newCredentials, backupTopic, tls, limits);
    }

    public HookConfig withBackupTopic(String topic) {
        return new HookConfig(bind, credentials, topic, tls, limits);
    }

    public HookConfig withTls(Tls newTls) {
        return new HookConfig(bind, credentials, backupTopic, newTls, limits);
    }

    public HookConfig withLimits(Limits newLimits) {
        return new HookConfig(bind, credentials, backupTopic, tls, newLimits);
    }
}
