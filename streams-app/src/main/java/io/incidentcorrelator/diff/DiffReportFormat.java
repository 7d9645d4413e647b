package io.incidentcorrelator.diff;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.diff.IncidentDiff.Change;
import io.incidentcorrelator.diff.IncidentDiff.Kind;
import io.incidentcorrelator.diff.IncidentDiff.Report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** A {@link Report} for people (text) or programs (one JSON object). */
public final class DiffReportFormat {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private DiffReportFormat() {
    }

    public static String text(Report report) {
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d incidents before, %d after: %d reclassified, %d changed, %d appeared, "
                        + "%d disappeared, %d unchanged%n", report.before(), report.after(), report.count(Kind.RECLASSIFIED),
                report.count(Kind.CHANGED), report.count(Kind.APPEARED), report.count(Kind.DISAPPEARED), report.unchanged()));
        for (Change c : report.changes()) {
            sb.append('\n');
            switch (c.kind()) {
                case APPEARED -> sb.append(String.format(Locale.ROOT, "APPEARED      %s  %s%n    pods: %s%n%s",
                        c.after().getId(), describe(c.after()), String.join(", ", IncidentDiff.pods(c.after())),
                        related(c, "were in", "before")));
                case DISAPPEARED -> sb.append(String.format(Locale.ROOT, "DISAPPEARED   %s  %s%n    pods: %s%n%s",
                        c.before().getId(), describe(c.before()), String.join(", ", IncidentDiff.pods(c.before())),
                        related(c, "are in", "now")));
                default -> {
                    sb.append(String.format(Locale.ROOT, "%-13s %s%n", c.kind(), c.before().getId().equals(c.after().getId())
                            ? c.after().getId() : c.before().getId() + " → " + c.after().getId()));
                    for (String line : details(c)) {
                        sb.append("    ").append(line).append('\n');
                    }
                }
            }
        }
        if (report.isEmpty()) {
            sb.append("No differences.\n");
        }
        return sb.toString();
    }

    private static String related(Change c, String verb, String when) {
        return c.related() == null ? "" : "    its restarts " + verb + " " + c.related().getId() + " ("
                + c.related().getCategory() + ") " + when + "\n";
    }

    private static String describe(Incident i) {
        return i.getCategory() + (i.getTransient$() ? " (transient)" : " (to act on)") + "  " + window(i);
    }

    private static String window(Incident i) {
        return DAY_TIME.format(i.getWindowStart()) + "–" + TIME.format(i.getWindowEnd()) + " UTC";
    }

    private static List<String> details(Change c) {
        final Incident b = c.before();
        final Incident a = c.after();
        final List<String> lines = new ArrayList<>();
        if (c.fields().contains("category") || c.fields().contains("transient")) {
            lines.add("classified: " + b.getCategory() + (b.getTransient$() ? " (transient)" : " (to act on)") + " → "
                    + a.getCategory() + (a.getTransient$() ? " (transient)" : " (to act on)"));
        }
        if (c.fields().contains("pods")) {
            final Set<String> added = new TreeSet<>(IncidentDiff.pods(a));
            added.removeAll(IncidentDiff.pods(b));
            final Set<String> removed = new TreeSet<>(IncidentDiff.pods(b));
            removed.removeAll(IncidentDiff.pods(a));
            lines.add("pods: " + (added.isEmpty() ? "" : "+ " + String.join(", ", added))
                    + (added.isEmpty() || removed.isEmpty() ? "" : "; ")
                    + (removed.isEmpty() ? "" : "- " + String.join(", ", removed)));
        } else {
            lines.add("pods: " + String.join(", ", IncidentDiff.pods(a)));
        }
        if (c.fields().contains("restarts")) {
            lines.add("restarts: " + IncidentDiff.restarts(b) + " → " + IncidentDiff.restarts(a));
        }
        lines.add(c.fields().contains("window") ? "window: " + window(b) + " → " + window(a) : "window: " + window(a));
        if (c.matchedBy() == IncidentDiff.MatchedBy.RESTARTS) {
            lines.add("(matched by cluster, pods and overlapping window: the id changed with the category or first restart)");
        }
        return lines;
    }

    /** {@code {"before": n, "after": n, "unchanged": n, "counts": {...}, "changes": [...]}} on one line. */
    public static String json(Report report) {
        final ObjectNode root = JSON.createObjectNode();
        root.put("before", report.before());
        root.put("after", report.after());
        root.put("unchanged", report.unchanged());
        final ObjectNode counts = root.putObject("counts");
        for (Kind kind : Kind.values()) {
            counts.put(kind.name().toLowerCase(Locale.ROOT), report.count(kind));
        }
        final ArrayNode changes = root.putArray("changes");
        for (Change c : report.changes()) {
            final ObjectNode change = changes.addObject();
            change.put("kind", c.kind().name());
            if (c.matchedBy() != null) {
                change.put("matchedBy", c.matchedBy().name().toLowerCase(Locale.ROOT));
            }
            final ArrayNode fields = change.putArray("fields");
            c.fields().forEach(fields::add);
            if (c.before() != null) {
                change.set("before", summary(c.before()));
            }
            if (c.after() != null) {
                change.set("after", summary(c.after()));
            }
            if (c.related() != null) {
                change.set("related", summary(c.related()));
            }
        }
        return root.toString();
    }

    private static ObjectNode summary(Incident i) {
        final ObjectNode node = JSON.createObjectNode();
        node.put("id", i.getId());
        node.put("cluster", i.getCluster());
        node.put("category", i.getCategory().name());
        node.put("transient", i.getTransient$());
        node.put("windowStart", iso(i.getWindowStart()));
        node.put("windowEnd", iso(i.getWindowEnd()));
        final ArrayNode pods = node.putArray("pods");
        IncidentDiff.pods(i).forEach(pods::add);
        node.put("restarts", IncidentDiff.restarts(i));
        return node;
    }

    private static String iso(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }
}
