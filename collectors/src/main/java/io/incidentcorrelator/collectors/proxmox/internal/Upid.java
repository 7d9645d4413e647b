package io.incidentcorrelator.collectors.proxmox.internal;

import java.time.Instant;
import java.util.Optional;

/**
 * A Proxmox task id, {@code UPID:node:pid:pstart:starttime:type:id:user:} with pid, pstart and
 * starttime in hex. Used as a fallback when a task list entry lacks its own fields.
 */
public record Upid(String node, String type, String id, String user, Instant startTime) {

    public static Optional<Upid> parse(String upid) {
        if (upid == null || !upid.startsWith("UPID:")) {
            return Optional.empty();
        }
        final String[] parts = upid.split(":", -1);
        // UPID, node, pid, pstart, starttime, type, id, user, "" (trailing colon)
        if (parts.length < 8) {
            return Optional.empty();
        }
        try {
            final long start = Long.parseLong(parts[4], 16);
            return Optional.of(new Upid(parts[1], parts[5], parts[6], parts[7], Instant.ofEpochSecond(start)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
