package io.incidentcorrelator.collectors.proxmox;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(BackupPhaseDedup.class);

    private static final int MAX_ENTRIES = 100_000;

    private record Seen(BackupPhaseKey key, String upid, Instant time) {
    }

    private final Duration window;
    private final Duration retention;
    private final Map<BackupPhaseKey, List<Seen>> byKey = new HashMap<>();
    private final Deque<Seen> byAge = new ArrayDeque<>();
    private final Path journal;
    private Writer journalWriter;

    /** ±2 min window, 12 h retention (longer than a night's backup job). */
    public BackupPhaseDedup() {
        this(Duration.ofMinutes(2), Duration.ofHours(12));
    }

    public BackupPhaseDedup(Duration window, Duration retention) {
        this(window, retention, null);
    }

    private BackupPhaseDedup(Duration window, Duration retention, Path journal) {
        this.window = Objects.requireNonNull(window, "window");
        this.retention = Objects.requireNonNull(retention, "retention");
        this.journal = journal;
    }

    /**
     * A dedup that remembers across restarts in {@code journal} (created if missing). Lines that
     * cannot be read are skipped with a warning: losing one entry risks a duplicate, not a loss.
     */
    public static BackupPhaseDedup persistent(Path journal) throws IOException {
        return persistent(journal, Duration.ofHours(12));
    }

    /**
     * As {@link #persistent(Path)}, remembering phases for {@code retention}. Give at least the
     * poller's look-back (see {@link #retentionFor}): a phase forgotten while the look-back can
     * still read it is sent again after a restart.
     */
    public static BackupPhaseDedup persistent(Path journal, Duration retention) throws IOException {
        final BackupPhaseDedup dedup = new BackupPhaseDedup(Duration.ofMinutes(2), retention, journal);
        dedup.load();
        return dedup;
    }

    /**
     * How long to remember phases when the poller reads back {@code lookback}: the look-back plus
     * an hour (a task running at the horizon is read from its start), and never under 12 h.
     */
    public static Duration retentionFor(Duration lookback) {
        final Duration needed = lookback.plusHours(1);
        return needed.compareTo(Duration.ofHours(12)) > 0 ? needed : Duration.ofHours(12);
    }

    private void load() throws IOException {
        final Path dir = journal.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        final List<Seen> entries = new ArrayList<>();
        if (Files.exists(journal)) {
            int lineNo = 0;
            for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
                lineNo++;
                final String[] f = line.split("\t", -1);
                try {
                    entries.add(new Seen(new BackupPhaseKey(f[0], f[1], f[2].isEmpty() ? null : Integer.valueOf(f[2])),
                            f[3].isEmpty() ? null : f[3], Instant.ofEpochMilli(Long.parseLong(f[4]))));
                } catch (RuntimeException e) {
                    LOG.warn("{}:{}: unreadable backup-phase journal line skipped", journal, lineNo);
                }
            }
        }
        entries.sort(java.util.Comparator.comparing(Seen::time));
        final Instant newest = entries.isEmpty() ? Instant.EPOCH : entries.get(entries.size() - 1).time();
        for (Seen s : entries) {
            if (!s.time().isBefore(newest.minus(retention))) {
                byKey.computeIfAbsent(s.key(), k -> new ArrayList<>(1)).add(s);
                byAge.addLast(s);
            }
        }
        // Compact: rewrite what is still remembered, then append from here on.
        final Path tmp = journal.resolveSibling(journal.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (Seen s : byAge) {
                w.write(line(s));
            }
        }
        Files.move(tmp, journal, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        journalWriter = Files.newBufferedWriter(journal, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private static String line(Seen s) {
        return s.key().host() + "\t" + s.key().slot() + "\t" + (s.key().vmid() == null ? "" : s.key().vmid()) + "\t"
                + (s.upid() == null ? "" : s.upid()) + "\t" + s.time().toEpochMilli() + "\n";
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
        if (journalWriter != null) {
            try {
                journalWriter.write(line(entry));
                journalWriter.flush();
            } catch (IOException e) {
                // Sending matters more than remembering: a failed write risks a duplicate after a restart.
                LOG.warn("Cannot write the backup-phase journal {}: {}", journal, e.getMessage());
            }
        }
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
