package io.incidentcorrelator.collectors.etcd;

import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.etcd.internal.Histogram;
import io.incidentcorrelator.collectors.etcd.internal.MetricsSnapshot;
import io.incidentcorrelator.collectors.etcd.internal.PrometheusTextParser;
import io.incidentcorrelator.collectors.internal.SourceHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Scrapes every etcd member's {@code /metrics} and turns each pair of consecutive scrapes into one
 * {@link EtcdLatencySample}: p99 of WAL fsync and backend commit from the histogram bucket deltas,
 * slow applies from the counter delta, database sizes and the leader flag from the newer scrape.
 *
 * <p>A member's first scrape is only a baseline. A counter reset (etcd restarted between two
 * scrapes: counts went down or {@code process_start_time_seconds} changed) makes the new
 * cumulative counts the interval's delta, since all of them were observed after the restart. A
 * gap of more than three intervals (collector paused, member unreachable) only re-baselines:
 * a sample stamped "now" must not carry latency from long ago.
 *
 * <p>When no fsync happened in an interval (an idle member) the WAL p99 is reported as 0 ms:
 * the field is required and there was no latency to see. Backend commit p99 is left out then.
 */
public final class EtcdCollector {

    static final String WAL_FSYNC = "etcd_disk_wal_fsync_duration_seconds";
    static final String BACKEND_COMMIT = "etcd_disk_backend_commit_duration_seconds";
    static final String SLOW_APPLY = "etcd_server_slow_apply_total";
    static final String DB_SIZE = "etcd_mvcc_db_total_size_in_bytes";
    /** etcd 3.3 only has the debugging name. */
    static final String DB_SIZE_OLD = "etcd_debugging_mvcc_db_total_size_in_bytes";
    static final String DB_SIZE_IN_USE = "etcd_mvcc_db_total_size_in_use_in_bytes";
    static final String IS_LEADER = "etcd_server_is_leader";
    static final String PROCESS_START = "process_start_time_seconds";

    private static final Logger LOG = LoggerFactory.getLogger(EtcdCollector.class);

    private final EtcdConfig config;
    private final EventWriter sink;
    private final MetricsFetcher fetcher;
    private final Clock clock;
    private final Map<EtcdMember, MemberState> members = new LinkedHashMap<>();

    public EtcdCollector(EtcdConfig config, EventWriter sink) {
        this(config, sink, new HttpMetricsFetcher(config.tls(), config.requestTimeout()), Clock.systemUTC());
    }

    EtcdCollector(EtcdConfig config, EventWriter sink, MetricsFetcher fetcher, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        this.clock = Objects.requireNonNull(clock, "clock");
        for (EtcdMember m : config.members()) {
            final String source = "etcd " + config.cluster() + "/" + m.name() + " (" + m.metricsUri() + ")";
            members.put(m, new MemberState(new SourceHealth(source, config.interval(), config.maxBackoff(), LOG)));
        }
    }

    /**
     * Scrapes every member that is not backing off and sends a sample for each that has a
     * baseline. Never throws for source problems; they are logged once per state change.
     *
     * @return the number of samples sent
     */
    public int pollOnce() throws InterruptedException {
        int sent = 0;
        for (Map.Entry<EtcdMember, MemberState> e : members.entrySet()) {
            final MemberState state = e.getValue();
            final Instant now = clock.instant();
            if (!state.health.isDue(now)) {
                continue;
            }
            final Optional<EtcdLatencySample> sample = scrape(e.getKey(), state);
            if (sample.isPresent()) {
                sink.send(config.topic(), config.cluster() + "/" + e.getKey().name(), sample.get());
                sent++;
            }
        }
        return sent;
    }

    /**
     * For {@code --once}: a baseline scrape, one interval's wait, and a second scrape, so every
     * reachable member yields one sample.
     *
     * @return the number of samples sent
     */
    public int collectOnce() throws InterruptedException {
        pollOnce();
        Thread.sleep(config.interval().toMillis());
        return pollOnce();
    }

    /** One per member, for readiness, metrics and {@code --once}'s exit code. */
    public List<SourceHealth> sources() {
        return members.values().stream().map(m -> m.health).toList();
    }

    /** How long the poll loop should wait before the next {@link #pollOnce()}. */
    public Duration nextPollDelay() {
        return config.interval();
    }

    private Optional<EtcdLatencySample> scrape(EtcdMember member, MemberState state) throws InterruptedException {
        final MetricsSnapshot snapshot;
        final String body;
        try {
            body = fetcher.fetch(member);
            snapshot = PrometheusTextParser.parse(body);
        } catch (HttpTimeoutException e) {
            state.health.failure(clock.instant(), "timed out after " + config.requestTimeout().toSeconds() + " s");
            return Optional.empty();
        } catch (IOException e) {
            state.health.failure(clock.instant(), describe(e));
            return Optional.empty();
        }
        final Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        // The text format ends every line with a newline; a body that does not was cut short
        // (a proxy or the connection gave up), and its last histogram is missing buckets.
        if (!body.isEmpty() && !body.endsWith("\n")) {
            state.health.failure(now, "truncated/malformed body from " + member.metricsUri() + ": it ends mid-line "
                    + "after " + body.lines().count() + " line(s); skipped, the previous scrape stays the baseline");
            return Optional.empty();
        }
        final Optional<Histogram> wal = snapshot.histogram(WAL_FSYNC);
        if (wal.isEmpty()) {
            state.health.failure(now, "no " + WAL_FSYNC + " in the response from " + member.metricsUri()
                    + (snapshot.errors().isEmpty() ? " (not an etcd metrics endpoint?)"
                    : " (malformed body; first bad line: " + snapshot.errors().get(0) + ")"));
            return Optional.empty();
        }
        final List<Histogram.Bucket> buckets = wal.get().buckets();
        if (buckets.isEmpty() || !Double.isInfinite(buckets.get(buckets.size() - 1).upperBound())) {
            state.health.failure(now, "truncated/malformed body from " + member.metricsUri() + ": " + WAL_FSYNC
                    + " has no +Inf bucket; skipped, the previous scrape stays the baseline");
            return Optional.empty();
        }
        if (!snapshot.errors().isEmpty() && !state.parseErrorsLogged) {
            state.parseErrorsLogged = true;
            LOG.warn("etcd {}/{}: skipped {} unreadable line(s) in /metrics, first: {}", config.cluster(),
                    member.name(), snapshot.errors().size(), snapshot.errors().get(0));
        }
        state.health.success(now);

        final Scrape current = new Scrape(now, wal.get(), snapshot.histogram(BACKEND_COMMIT).orElse(null),
                snapshot.sum(SLOW_APPLY), snapshot.sum(PROCESS_START));
        final Scrape previous = state.previous;
        state.previous = current;
        if (previous == null) {
            LOG.debug("etcd {}/{}: baseline taken", config.cluster(), member.name());
            return Optional.empty();
        }
        final Duration gap = Duration.between(previous.time, now);
        if (gap.compareTo(config.interval().multipliedBy(3)) > 0) {
            LOG.debug("etcd {}/{}: {} since the last scrape; taking a new baseline", config.cluster(), member.name(), gap);
            return Optional.empty();
        }

        final boolean reset = current.isResetSince(previous);
        if (reset) {
            LOG.info("etcd {}/{}: counters went back (member restarted); using the new counts as this interval's",
                    config.cluster(), member.name());
        }
        final Optional<Histogram> walDelta = delta(current.wal, previous.wal, reset);
        if (walDelta.isEmpty()) {
            LOG.info("etcd {}/{}: WAL fsync buckets changed layout; skipping one interval", config.cluster(), member.name());
            return Optional.empty();
        }
        final Histogram walInterval = walDelta.get();
        final double walP99Ms = walInterval.observations() > 0 ? walInterval.quantile(0.99) * 1000.0 : 0.0;

        Double commitP99Ms = null;
        if (current.commit != null && previous.commit != null) {
            final Optional<Histogram> commitDelta = delta(current.commit, previous.commit, reset);
            if (commitDelta.isPresent() && commitDelta.get().observations() > 0) {
                commitP99Ms = finiteOrNull(commitDelta.get().quantile(0.99) * 1000.0);
            }
        }

        Integer slowApplies = null;
        if (current.slowApplies.isPresent() && previous.slowApplies.isPresent()) {
            final double total = current.slowApplies.getAsDouble();
            final double before = previous.slowApplies.getAsDouble();
            final double d = reset || total < before ? total : total - before;
            slowApplies = (int) Math.min(Integer.MAX_VALUE, Math.max(0, Math.round(d)));
        }

        final OptionalDouble dbSize = snapshot.has(DB_SIZE) ? snapshot.sum(DB_SIZE) : snapshot.sum(DB_SIZE_OLD);
        final OptionalDouble dbInUse = snapshot.sum(DB_SIZE_IN_USE);
        final OptionalDouble leader = snapshot.sum(IS_LEADER);

        return Optional.of(EtcdLatencySample.newBuilder()
                .setCluster(config.cluster())
                .setMember(member.name())
                .setWalFsyncP99Ms(finiteOrZero(walP99Ms))
                .setBackendCommitP99Ms(commitP99Ms)
                .setSlowApplies(slowApplies)
                .setDbSizeBytes(dbSize.isPresent() ? (Long) Math.round(dbSize.getAsDouble()) : null)
                .setDbSizeInUseBytes(dbInUse.isPresent() ? (Long) Math.round(dbInUse.getAsDouble()) : null)
                .setLeader(leader.isPresent() ? (Boolean) (leader.getAsDouble() >= 1.0) : null)
                .setTime(now)
                .build());
    }

    private static Optional<Histogram> delta(Histogram current, Histogram previous, boolean reset) {
        if (reset) {
            return Optional.of(current);
        }
        return current.minus(previous);
    }

    private static double finiteOrZero(double v) {
        return Double.isFinite(v) ? v : 0.0;
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static String describe(IOException e) {
        final String msg = e.getMessage();
        if (e.getClass() == IOException.class && msg != null) {
            return msg; // the fetcher's own wording, cause and host included
        }
        return e.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
    }

    private static final class MemberState {
        final SourceHealth health;
        Scrape previous;
        boolean parseErrorsLogged;

        MemberState(SourceHealth health) {
            this.health = health;
        }
    }

    private record Scrape(Instant time, Histogram wal, Histogram commit, OptionalDouble slowApplies,
                          OptionalDouble processStart) {

        boolean isResetSince(Scrape earlier) {
            if (processStart.isPresent() && earlier.processStart.isPresent()
                    && Math.abs(processStart.getAsDouble() - earlier.processStart.getAsDouble()) > 1.0) {
                return true;
            }
            if (wal.sameLayout(earlier.wal) && wal.isResetSince(earlier.wal)) {
                return true;
            }
            if (commit != null && earlier.commit != null && commit.sameLayout(earlier.commit)
                    && commit.isResetSince(earlier.commit)) {
                return true;
            }
            return slowApplies.isPresent() && earlier.slowApplies.isPresent()
                    && slowApplies.getAsDouble() < earlier.slowApplies.getAsDouble();
        }
    }
}
