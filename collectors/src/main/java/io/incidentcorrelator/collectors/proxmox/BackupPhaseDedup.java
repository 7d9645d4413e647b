package io.incidentcorrelator.collectors.proxmox;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.collectors.proxmox.internal.BackupPhaseKey;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Remembers which backup phases were already sent, so that the vzdump hook and the API poller
 * can both be on (in one process) without sending a phase twice, and a retried hook POST is
 * dropped.
 *
 * <p>The rule, per {@link BackupPhaseKey} (host, phase slot, vmid):
 * <ul>
 *   <li>both events carry a UPID: the same phase iff the UPIDs are equal (exact; the hook reads
 *       the running job's UPID from {@code /var/run/vzdump.pid});</li>
 *   <li>otherwise (the hook could not read the UPID): the same phase iff the times are within
 *       {@code window} (default ±2 min) of each other. vzdump holds a per-node lock, so two jobs
 *       on one node cannot be in the same phase for the same guest within minutes.</li>
 * </ul>
 * The poller's times come from the task list and log (seconds), the hook's from receipt, so
 * they differ by seconds, not minutes. Entries are forgotten after {@code retention}.
 * Thread-safe.
 */
public final class BackupPhaseDedup {

    private static final int MAX_ENTRIES = 100_000;

    private record Seen(BackupPhaseKey key, String upid, Instant time) {
    }

    private final Duration window;
    private final Duration retention;
    private final Map<BackupPhaseKey, List<Seen>> byKey = new HashMap<>();
    private final Deque<Seen> byAge = new ArrayDeque<>();

    /** ±2 min window, 12 h retention (longer than a night's backup job). */
    public BackupPhaseDedup() {
        this(Duration.ofMinutes(2), Duration.ofHours(12));
    }

    public BackupPhaseDedup(Duration window, Duration retention) {
        this.window = Objects.requireNonNull(window, "window");
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    /** Records the event and says whether it is new (true) or a duplicate of one already seen (false). */
    public boolean firstTime(BackupEvent event) {
        return firstTime(BackupPhaseKey.of(event.getHost(), event.getPhase(), event.getVmid()), event.getUpid(),
                event.getTime());
    }

    synchronized boolean firstTime(BackupPhaseKey key, String upid, Instant time) {
        expire(time);
        final List<Seen> seen = byKey.computeIfAbsent(key, k -> new ArrayList<>(1));
        for (Seen s : seen) {
            if (s.upid() != null && upid != null) {
                if (s.upid().equals(upid)) {
                    return false;
                }
            } else if (Duration.between(s.time(), time).abs().compareTo(window) <= 0) {
                return false;
            }
        }
        final Seen entry = new Seen(key, upid, time);
        seen.add(entry);
        byAge.addLast(entry);
        if (byAge.size() > MAX_ENTRIES) {
            forget(byAge.removeFirst());
        }
        return true;
    }

    synchronized int size() {
        return byAge.size();
    }

    /** Entries arrive roughly in time order; older than retention relative to the newest is dropped. */
    private void expire(Instant now) {
        final Instant horizon = now.minus(retention);
        while (!byAge.isEmpty() && byAge.peekFirst().time().isBefore(horizon)) {
            forget(byAge.removeFirst());
        }
    }

    private void forget(Seen s) {
        final List<Seen> list = byKey.get(s.key());
        if (list != null) {
            list.remove(s);
            if (list.isEmpty()) {
                byKey.remove(s.key());
            }
        }
    }
}
