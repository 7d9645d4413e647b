package io.incidentcorrelator.topology.internal;

import java.util.Objects;

/**
 * What the inventory lacks to place an event: a host ({@code unknown-host}), a cluster
 * ({@code unknown-cluster}) or a node of a known cluster ({@code unknown-node}).
 *
 * @param reason  the {@code reason} tag of the not-in-inventory metric
 * @param subject the host, cluster or cluster/node
 */
public record InventoryGap(String reason, String subject) {

    public static final String UNKNOWN_HOST = "unknown-host";
    public static final String UNKNOWN_CLUSTER = "unknown-cluster";
    public static final String UNKNOWN_NODE = "unknown-node";

    /** Prefix of the key of a given-up event on its way to the dead-letter topic (cluster names have no colon). */
    public static final String KEY_PREFIX = "inventory:";

    public InventoryGap {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(subject, "subject");
    }

    /** The dead-letter key and the hold's memory of it: {@code inventory:unknown-host:pve9}. */
    public String key() {
        return KEY_PREFIX + reason + ":" + subject;
    }

    /** The gap a dead-letter key names, or null for any other key. */
    public static InventoryGap fromKey(String key) {
        if (key == null || !key.startsWith(KEY_PREFIX)) {
            return null;
        }
        final String rest = key.substring(KEY_PREFIX.length());
        final int colon = rest.indexOf(':');
        return colon < 0 ? null : new InventoryGap(rest.substring(0, colon), rest.substring(colon + 1));
    }

    /** What an operator reads: {@code host pve9}, {@code cluster lab}, {@code node lab/talos-w-09}. */
    public String describe() {
        return switch (reason) {
            case UNKNOWN_HOST -> "host " + subject;
            case UNKNOWN_CLUSTER -> "cluster " + subject;
            case UNKNOWN_NODE -> "node " + subject;
            default -> reason + " " + subject;
        };
    }
}
