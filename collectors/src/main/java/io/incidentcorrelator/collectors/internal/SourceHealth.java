package io.incidentcorrelator.collectors.internal;

import org.slf4j.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Tracks whether one source (an etcd member, a Proxmox node) answers, and when to try it next.
 *
 * <p>Logs exactly one line per state change (first success, ok to failing, failing to ok) so a
 * source that is down for an hour does not fill the log; repeated failures go to debug.
 * Failures back off exponentially from {@code baseDelay} up to {@code maxDelay}. Reasons passed
 * in must already be free of secrets: they are logged as given.
 */
public final class SourceHealth {

    public enum State { UNKNOWN, OK, FAILING }

    private final String source;
    private final Duration baseDelay;
    private final Duration maxDelay;
    private final Logger log;

    private State state = State.UNKNOWN;
    private int consecutiveFailures;
    private long failuresTotal;
    private Instant failingSince;
    private String lastReason;
    private Instant retryAt = Instant.MIN;

    public SourceHealth(String source, Duration baseDelay, Duration maxDelay, Logger log) {
        this.source = Objects.requireNonNull(source, "source");
        this.baseDelay = positive(baseDelay, "baseDelay");
        this.maxDelay = positive(maxDelay, "maxDelay");
        this.log = Objects.requireNonNull(log, "log");
        if (maxDelay.compareTo(baseDelay) < 0) {
            throw new IllegalArgumentException("maxDelay < baseDelay");
        }
    }

    /** Whether the source may be tried at {@code now} (false while backing off). */
    public synchronized boolean isDue(Instant now) {
        return !now.isBefore(retryAt);
    }

    public synchronized void success(Instant now) {
        switch (state) {
            case UNKNOWN -> log.info("{}: ok", source);
            case FAILING -> log.info("{}: recovered after {} failed attempt(s) over {}", source, consecutiveFailures,
                    human(Duration.between(failingSince, now)));
            case OK -> { }
        }
        state = State.OK;
        consecutiveFailures = 0;
        failingSince = null;
        lastReason = null;
        retryAt = Instant.MIN;
    }

    public synchronized void failure(Instant now, String reason) {
        consecutiveFailures++;
        failuresTotal++;
        lastReason = reason;
        final Duration delay = backoff(consecutiveFailures);
        retryAt = now.plus(delay);
        if (state != State.FAILING) {
            failingSince = now;
            log.warn("{}: failing: {}; retrying with backoff from {} up to {}", source, reason, human(baseDelay),
                    human(maxDelay));
        } else {
            log.debug("{}: still failing ({} attempts): {}; next attempt in {}", source, consecutiveFailures, reason,
                    human(delay));
        }
        state = State.FAILING;
    }

    public synchronized State state() {
        return state;
    }

    /** The name given at construction, e.g. {@code etcd monit/cp-01 (http://...)}; safe to log. */
    public String source() {
        return source;
    }

    /** When the current failure streak began; null unless {@link State#FAILING}. */
    public synchronized Instant failingSince() {
        return failingSince;
    }

    /** The reason of the latest failure; null unless {@link State#FAILING}. */
    public synchronized String lastReason() {
        return lastReason;
    }

    /** Failures since the start, for the {@code _failures_total} counter. */
    public synchronized long failuresTotal() {
        return failuresTotal;
    }

    /** Whether the source has been failing for longer than {@code budget} at {@code now}. */
    public synchronized boolean failingLongerThan(Duration budget, Instant now) {
        return state == State.FAILING && Duration.between(failingSince, now).compareTo(budget) > 0;
    }

    public synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    public synchronized Instant retryAt() {
        return retryAt;
    }

    /** The delay before the next attempt under the current failure streak (the base delay when none). */
    public synchronized Duration currentBackoff() {
        return backoff(Math.max(1, consecutiveFailures));
    }

    Duration backoff(int failures) {
        // Doubling from the base, capped; the shift is bounded so it cannot overflow.
        final long factor = 1L << Math.min(failures - 1, 30);
        final Duration d = baseDelay.multipliedBy(factor);
        return d.compareTo(maxDelay) > 0 || d.isNegative() ? maxDelay : d;
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return d;
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase();
    }
}
