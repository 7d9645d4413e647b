package io.incidentcorrelator.collectors.proxmox.hook;

import io.incidentcorrelator.topics.TopicNames;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * How the vzdump hook endpoint listens.
 *
 * @param bind        address and port; port 0 picks a free one (tests)
 * @param token       shared token the hook must send, or null to accept any caller (only on a trusted network)
 * @param backupTopic topic for the {@code BackupEvent}s
 */
public record HookConfig(InetSocketAddress bind, HookToken token, String backupTopic) {

    /** The port the shipped hook script posts to by default. */
    public static final int DEFAULT_PORT = 9477;

    public HookConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(backupTopic, "backupTopic");
    }

    /** No token, the contract's topic. */
    public static HookConfig of(InetSocketAddress bind) {
        return new HookConfig(bind, null, TopicNames.defaults().backupEvents());
    }

    public HookConfig withToken(HookToken newToken) {
        return new HookConfig(bind, newToken, backupTopic);
    }

    public HookConfig withBackupTopic(String topic) {
        return new HookConfig(bind, token, topic);
    }
}
