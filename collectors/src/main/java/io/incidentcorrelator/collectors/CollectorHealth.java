package io.incidentcorrelator.collectors;

import io.incidentcorrelator.collectors.internal.SourceHealth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a collector process says about its sources: {@code --once}'s exit code, {@code /health/ready}
 * and {@code /metrics}. Every collector keeps one {@link SourceHealth} per source (a Proxmox node,
 * an etcd member, the Kubernetes API, the hook endpoint); this reads them, it counts nothing itself.
 *
 * <p>Ready means no source has been failing for longer than {@code budget}: a short outage is
 * retried quietly, a long one must reach the supervisor or alerting rather than only the log.
 */
public final class CollectorHealth {

    private final String collector;
    private final Duration budget;
    private final Clock clock;
    private final Supplier<? extends Collection<SourceHealth>> sources;

    public CollectorHealth(String collector, Duration budget, Clock clock,
                           Supplier<? extends Collection<SourceHealth>> sources) {
        this.collector = Objects.requireNonNull(collector, "collector");
        this.budget = Objects.requireNonNull(budget, "budget");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sources = Objects.requireNonNull(sources, "sources");
    }

    /** The sources whose latest attempt failed (for {@code --once}: exit non-zero). */
    public List<SourceHealth> failing() {
        return sources.get().stream().filter(s -> s.state() == SourceHealth.State.FAILING).toList();
    }

    /** The sources failing for longer than the budget; readiness is DOWN while there are any. */
    public List<SourceHealth> overBudget() {
        final Instant now = clock.instant();
        return sources.get().stream().filter(s -> s.failingLongerThan(budget, now)).toList();
    }

    public boolean ready() {
        return overBudget().isEmpty();
    }

    /** {@code /health/ready}'s body: UP, or DOWN with each source over budget, since when and why. */
    public String readyJson() {
        final List<SourceHealth> down = overBudget();
        final StringBuilder json = new StringBuilder("{\"status\":\"").append(down.isEmpty() ? "UP" : "DOWN")
                .append("\",\"collector\":").append(quote(collector))
                .append(",\"failureBudgetSeconds\":").append(budget.toSeconds())
                .append(",\"sourcesOverBudget\":[");
        for (int i = 0; i < down.size(); i++) {
            final SourceHealth s = down.get(i);
            json.append(i == 0 ? "" : ",").append("{\"source\":").append(quote(s.source()))
                    .append(",\"failingSince\":").append(quote(String.valueOf(s.failingSince())))
                    .append(",\"reason\":").append(quote(String.valueOf(s.lastReason()))).append('}');
        }
        return json.append("]}").toString();
    }

    /** Prometheus text: per source up, failing seconds and failures; and the number over budget. */
    public String metrics() {
        final Instant now = clock.instant();
        final Collection<SourceHealth> all = sources.get();
        final StringBuilder out = new StringBuilder();
        out.append("# HELP correlator_collector_source_up 1 when the source's latest attempt succeeded, 0 when it "
                + "failed (absent before the first attempt).\n# TYPE correlator_collector_source_up gauge\n");
        for (SourceHealth s : all) {
            if (s.state() != SourceHealth.State.UNKNOWN) {
                out.append("correlator_collector_source_up").append(labels(s)).append(' ')
                        .append(s.state() == SourceHealth.State.OK ? 1 : 0).append('\n');
            }
        }
        out.append("# HELP correlator_collector_source_failing_seconds How long the source has been failing "
                + "(0 when it is not).\n# TYPE correlator_collector_source_failing_seconds gauge\n");
        for (SourceHealth s : all) {
            final Instant since = s.failingSince();
            out.append("correlator_collector_source_failing_seconds").append(labels(s)).append(' ')
                    .append(since == null ? 0 : Math.max(0, Duration.between(since, now).toSeconds())).append('\n');
        }
        out.append("# HELP correlator_collector_source_failures_total Failed attempts since the collector started.\n"
                + "# TYPE correlator_collector_source_failures_total counter\n");
        for (SourceHealth s : all) {
            out.append("correlator_collector_source_failures_total").append(labels(s)).append(' ')
                    .append(s.failuresTotal()).append('\n');
        }
        out.append("# HELP correlator_collector_sources_over_budget Sources failing for longer than the failure "
                + "budget (readiness is DOWN while above 0).\n# TYPE correlator_collector_sources_over_budget gauge\n")
                .append("correlator_collector_sources_over_budget{collector=").append(quote(collector)).append("} ")
                .append(overBudget().size()).append('\n');
        return out.toString();
    }

    private String labels(SourceHealth s) {
        return "{collector=" + quote(collector) + ",source=" + quote(s.source()) + "}";
    }

    /** A JSON string, which is also a valid Prometheus label value. */
    private static String quote(String s) {
        final StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                default -> {
                    if (c < 0x20) {
                        q.append(' ');
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
