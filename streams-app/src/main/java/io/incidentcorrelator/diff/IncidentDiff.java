package io.incidentcorrelator.diff;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.PodSummary;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What changed between two sets of incidents (the newest revision of each), e.g. last month
 * replayed with the deployed thresholds and with new ones.
 *
 * <p>Incidents are matched by id first. Ids embed the category, so the same restarts under a
 * new category come out with a new id: incidents left over on both sides are then matched by
 * their restarts — same cluster, overlapping windows, at least one pod in common — best
 * overlap first, each at most once. What still has no partner appeared or disappeared.
 */
public final class IncidentDiff {

    public enum Kind {
        /** Matched, and the category differs. */
        RECLASSIFIED,
        /** Matched, same category, and transient, pods, restarts or window differ. */
        CHANGED,
        APPEARED,
        DISAPPEARED
    }

    /** How a before/after pair was found. */
    public enum MatchedBy { ID, RESTARTS }

    /**
     * @param before  null for {@link Kind#APPEARED}
     * @param after   null for {@link Kind#DISAPPEARED}
     * @param fields  what differs, of {@code category, transient, pods, restarts, window}; empty when one side is missing
     * @param related for an appeared (disappeared) incident, the incident before (after) that shares most of
     *                its restarts, if any: where they came from (went to) when an incident was split
     */
    public record Change(Kind kind, MatchedBy matchedBy, Incident before, Incident after, List<String> fields,
                         Incident related) {
        /** The time the change is sorted by: when its incident starts. */
        Instant time() {
            return (after != null ? after : before).getWindowStart();
        }
    }

    public record Report(int before, int after, int unchanged, List<Change> changes) {
        public long count(Kind kind) {
            return changes.stream().filter(c -> c.kind() == kind).count();
        }

        public boolean isEmpty() {
            return changes.isEmpty();
        }
    }

    private IncidentDiff() {
    }

    public static Report compare(List<Incident> before, List<Incident> after) {
        final Map<String, Incident> beforeById = byId(before);
        final Map<String, Incident> afterById = byId(after);
        final List<Change> changes = new ArrayList<>();
        int unchanged = 0;

        final List<Incident> onlyBefore = new ArrayList<>();
        for (Incident b : beforeById.values()) {
            final Incident a = afterById.get(b.getId());
            if (a == null) {
                onlyBefore.add(b);
                continue;
            }
            final Change change = matched(MatchedBy.ID, b, a);
            if (change == null) {
                unchanged++;
            } else {
                changes.add(change);
            }
        }
        final List<Incident> onlyAfter = afterById.values().stream()
                .filter(a -> !beforeById.containsKey(a.getId())).toList();

        final Set<Incident> pairedBefore = Collections.newSetFromMap(new IdentityHashMap<>());
        final Set<Incident> pairedAfter = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Candidate c : candidates(onlyBefore, onlyAfter)) {
            if (pairedBefore.contains(c.before()) || pairedAfter.contains(c.after())) {
                continue;
            }
            pairedBefore.add(c.before());
            pairedAfter.add(c.after());
            final Change change = matched(MatchedBy.RESTARTS, c.before(), c.after());
            // Same restarts, same everything but the id (its first restart moved): a change all the same.
            changes.add(change != null ? change
                    : new Change(Kind.CHANGED, MatchedBy.RESTARTS, c.before(), c.after(), List.of("id"), null));
        }
        onlyBefore.stream().filter(b -> !pairedBefore.contains(b)).forEach(b -> changes.add(new Change(
                Kind.DISAPPEARED, null, b, null, List.of(), mostAlike(b, afterById.values(), false))));
        onlyAfter.stream().filter(a -> !pairedAfter.contains(a)).forEach(a -> changes.add(new Change(
                Kind.APPEARED, null, null, a, List.of(), mostAlike(a, beforeById.values(), true))));

        changes.sort(Comparator.comparing(Change::time).thenComparing(Change::kind)
                .thenComparing(c -> (c.after() != null ? c.after() : c.before()).getId()));
        return new Report(beforeById.size(), afterById.size(), unchanged, List.copyOf(changes));
    }

    /** The change between two matched incidents, or null when nothing the report covers differs. */
    private static Change matched(MatchedBy by, Incident before, Incident after) {
        final List<String> fields = new ArrayList<>();
        if (before.getCategory() != after.getCategory()) {
            fields.add("category");
        }
        if (before.getTransient$() != after.getTransient$()) {
            fields.add("transient");
        }
        if (!pods(before).equals(pods(after))) {
            fields.add("pods");
        }
        if (restarts(before) != restarts(after)) {
            fields.add("restarts");
        }
        if (!before.getWindowStart().equals(after.getWindowStart()) || !before.getWindowEnd().equals(after.getWindowEnd())) {
            fields.add("window");
        }
        if (fields.isEmpty()) {
            return null;
        }
        return new Change(fields.contains("category") ? Kind.RECLASSIFIED : Kind.CHANGED, by, before, after,
                List.copyOf(fields), null);
    }

    /** {@code namespace/pod} of each pod, sorted. */
    public static Set<String> pods(Incident incident) {
        final Set<String> pods = new TreeSet<>();
        for (PodSummary p : incident.getPods()) {
            pods.add(p.getNamespace() + "/" + p.getPod());
        }
        return pods;
    }

    public static int restarts(Incident incident) {
        return incident.getPods().stream().mapToInt(PodSummary::getRestarts).sum();
    }

    private record Candidate(Incident before, Incident after, int commonPods, long overlapMillis) {
    }

    /** Most alike first; ties in a fixed order so reports are stable. */
    private static final Comparator<Candidate> MOST_ALIKE = Comparator.comparingInt(Candidate::commonPods).reversed()
            .thenComparing(Comparator.comparingLong(Candidate::overlapMillis).reversed())
            .thenComparing(c -> c.before().getId())
            .thenComparing(c -> c.after().getId());

    /** Pairs that may be the same restarts, most alike first. */
    private static List<Candidate> candidates(List<Incident> before, List<Incident> after) {
        final List<Candidate> candidates = new ArrayList<>();
        for (Incident b : before) {
            for (Incident a : after) {
                final Candidate c = alike(b, a);
                if (c != null) {
                    candidates.add(c);
                }
            }
        }
        candidates.sort(MOST_ALIKE);
        return candidates;
    }

    /** The incident of {@code others} sharing most restarts with {@code incident}, or null. */
    private static Incident mostAlike(Incident incident, Iterable<Incident> others, boolean othersAreBefore) {
        final List<Candidate> candidates = new ArrayList<>();
        for (Incident other : others) {
            final Candidate c = othersAreBefore ? alike(other, incident) : alike(incident, other);
            if (c != null) {
                candidates.add(c);
            }
        }
        candidates.sort(MOST_ALIKE);
        return candidates.isEmpty() ? null
                : othersAreBefore ? candidates.get(0).before() : candidates.get(0).after();
    }

    /** Same cluster, windows overlapping (touching counts), a pod in common: possibly the same restarts. */
    private static Candidate alike(Incident b, Incident a) {
        if (!b.getCluster().equals(a.getCluster())) {
            return null;
        }
        final long overlap = Math.min(b.getWindowEnd().toEpochMilli(), a.getWindowEnd().toEpochMilli())
                - Math.max(b.getWindowStart().toEpochMilli(), a.getWindowStart().toEpochMilli());
        if (overlap < 0) {
            return null;
        }
        final Set<String> common = new TreeSet<>(pods(b));
        common.retainAll(pods(a));
        return common.isEmpty() ? null : new Candidate(b, a, common.size(), overlap);
    }

    private static Map<String, Incident> byId(List<Incident> incidents) {
        final Map<String, Incident> byId = new LinkedHashMap<>();
        for (Incident i : incidents) {
            Objects.requireNonNull(i, "incident");
            byId.merge(i.getId(), i, (x, y) -> y.getRevision() >= x.getRevision() ? y : x);
        }
        return byId;
    }
}
