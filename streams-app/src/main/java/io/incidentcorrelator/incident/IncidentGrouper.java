package io.incidentcorrelator.incident;

import io.incidentcorrelator.avro.Evidence;
import io.incidentcorrelator.avro.EvidenceKind;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.avro.internal.ClassifiedRestart;
import io.incidentcorrelator.classify.Classification;
import io.incidentcorrelator.classify.ClassifierConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Groups the classified restarts of one cluster into incidents: restarts with the same
 * category whose times lie within the grouping gap of each other form one incident;
 * different clusters never share one. The result is a function of the set of restarts alone,
 * not of the order they arrived in, so late data converges on what in-order data gives.
 */
public final class IncidentGrouper {

    /** Evidence kept per incident: enough for a person on call, bounded for the record size. */
    static final int MAX_EVIDENCE = 24;
    static final int MAX_LOG_LINES = 6;

    private final Duration groupingGap;

    public IncidentGrouper(Duration groupingGap) {
        this.groupingGap = Objects.requireNonNull(groupingGap, "groupingGap");
    }

    public Duration groupingGap() {
        return groupingGap;
    }

    /**
     * @param restarts classified restarts of {@code cluster}, in any order
     * @return incident drafts (revision 0, status OPEN) ordered by window start
     */
    public List<Incident> group(String cluster, List<ClassifiedRestart> restarts) {
        final Map<IncidentCategory, List<ClassifiedRestart>> byCategory = new EnumMap<>(IncidentCategory.class);
        restarts.stream()
                .filter(ClassifiedRestart::getClassified)
                .filter(r -> r.getRestart().getCluster().equals(cluster))
                .sorted(RESTART_ORDER)
                .forEach(r -> byCategory.computeIfAbsent(r.getCategory(), c -> new ArrayList<>()).add(r));

        final List<Incident> incidents = new ArrayList<>();
        byCategory.forEach((category, sorted) -> {
            List<ClassifiedRestart> current = new ArrayList<>();
            for (ClassifiedRestart r : sorted) {
                if (!current.isEmpty()) {
                    final Instant last = current.get(current.size() - 1).getRestart().getFinishedAt();
                    if (Duration.between(last, r.getRestart().getFinishedAt()).compareTo(groupingGap) > 0) {
                        incidents.add(assemble(cluster, category, current));
                        current = new ArrayList<>();
                    }
                }
                current.add(r);
            }
            if (!current.isEmpty()) {
                incidents.add(assemble(cluster, category, current));
            }
        });
        incidents.sort(Comparator.comparing(Incident::getWindowStart).thenComparing(Incident::getId));
        return incidents;
    }

    static final Comparator<ClassifiedRestart> RESTART_ORDER = Comparator
            .comparing((ClassifiedRestart r) -> r.getRestart().getFinishedAt())
            .thenComparing(r -> r.getRestart().getNamespace())
            .thenComparing(r -> r.getRestart().getPod())
            .thenComparing(r -> r.getRestart().getContainer())
            .thenComparingInt(r -> r.getRestart().getRestartCount());

    private Incident assemble(String cluster, IncidentCategory category, List<ClassifiedRestart> group) {
        final PodRestart first = group.get(0).getRestart();
        final PodRestart last = group.get(group.size() - 1).getRestart();

        final Map<String, PodSummary> pods = new TreeMap<>();
        final Set<String> hosts = new TreeSet<>();
        final Set<String> notes = new TreeSet<>();
        final Set<IncidentCategory> contributing = EnumSet.noneOf(IncidentCategory.class);
        double confidenceSum = 0;
        for (ClassifiedRestart cr : group) {
            final PodRestart r = cr.getRestart();
            final String podKey = r.getNamespace() + "/" + r.getPod() + "/" + r.getContainer();
            final PodSummary previous = pods.get(podKey);
            pods.put(podKey, PodSummary.newBuilder()
                    .setNamespace(r.getNamespace())
                    .setPod(r.getPod())
                    .setContainer(r.getContainer())
                    .setNode(r.getNode())
                    .setRestarts(previous == null ? 1 : previous.getRestarts() + 1)
                    .setLastReason(r.getTerminatedReason() != null ? r.getTerminatedReason() : r.getWaitingReason())
                    .setLastExitCode(r.getExitCode())
                    .build());
            if (cr.getHost() != null) {
                hosts.add(cr.getHost());
            }
            for (String note : cr.getNotes()) {
                if (note.startsWith(Classification.Note.HOST_PREFIX)) {
                    hosts.add(note.substring(Classification.Note.HOST_PREFIX.length()));
                } else {
                    notes.add(note);
                }
            }
            contributing.addAll(cr.getContributingFactors());
            confidenceSum += cr.getConfidence();
        }
        contributing.remove(category);
        contributing.remove(IncidentCategory.UNKNOWN);

        final List<PodSummary> podList = new ArrayList<>(pods.values());
        final List<Evidence> evidence = mergeEvidence(group);
        final boolean transientIssue = Classification.transientCategory(category);
        final IncidentNarrative narrative = IncidentNarrative.of(cluster, category, podList, List.copyOf(hosts),
                evidence, notes, first.getFinishedAt(), last.getFinishedAt(), group.size());

        return Incident.newBuilder()
                .setId(IncidentIds.of(cluster, category, first.getFinishedAt()))
                .setRevision(0)
                .setStatus(IncidentStatus.OPEN)
                .setCategory(category)
                .setTransient$(transientIssue)
                .setSeverity(IncidentNarrative.severity(category, podList, notes, group.size()))
                .setConfidence(Math.round(confidenceSum / group.size() * 100) / 100.0)
                .setCluster(cluster)
                .setHosts(List.copyOf(hosts))
                .setPods(podList)
                .setWindowStart(first.getFinishedAt())
                .setWindowEnd(last.getFinishedAt())
                .setEvidence(evidence)
                .setContributingFactors(new ArrayList<>(contributing))
                .setSummary(narrative.summary())
                .setRecommendedActions(narrative.actions())
                .setClassifierVersion(ClassifierConfig.VERSION)
                .build();
    }

    /**
     * One entry per observed thing: the worst value of each metric source, the first sighting
     * of each backup run, a few distinct log lines, one exit code per pod.
     */
    static List<Evidence> mergeEvidence(List<ClassifiedRestart> group) {
        final Map<String, Evidence> merged = new LinkedHashMap<>();
        int logLines = 0;
        for (ClassifiedRestart cr : group) {
            for (Evidence e : cr.getEvidence()) {
                final String key = switch (e.getKind()) {
                    case LOG_PATTERN -> e.getKind() + "|" + e.getSource() + "|" + e.getText();
                    case EXIT_CODE -> e.getKind() + "|" + e.getSource() + "|" + e.getObservedValue() + "|" + e.getText();
                    default -> e.getKind() + "|" + e.getSource();
                };
                final Evidence existing = merged.get(key);
                if (existing == null) {
                    if (e.getKind() == EvidenceKind.LOG_PATTERN && ++logLines > MAX_LOG_LINES) {
                        continue;
                    }
                    merged.put(key, e);
                } else if (worse(e, existing)) {
                    merged.put(key, e);
                }
            }
        }
        final List<Evidence> sorted = new ArrayList<>(merged.values());
        sorted.sort(Comparator.comparing((Evidence e) -> kindOrder(e.getKind()))
                .thenComparing(Evidence::getSource)
                .thenComparing(e -> e.getTime() == null ? Instant.EPOCH : e.getTime())
                .thenComparing(e -> e.getText() == null ? "" : e.getText()));
        return sorted.size() > MAX_EVIDENCE ? List.copyOf(sorted.subList(0, MAX_EVIDENCE)) : sorted;
    }

    /** Most telling first: what names the cause, then the restart's own output. */
    private static int kindOrder(EvidenceKind kind) {
        return switch (kind) {
            case BACKUP -> 0;
            case MEMORY -> 1;
            case CPU -> 2;
            case ETCD_LATENCY -> 3;
            case LOG_PATTERN -> 4;
            case EXIT_CODE -> 5;
            default -> 6;
        };
    }

    private static boolean worse(Evidence candidate, Evidence existing) {
        if (candidate.getKind() == EvidenceKind.BACKUP) {
            return false;
        }
        final Double a = candidate.getObservedValue();
        final Double b = existing.getObservedValue();
        if (a == null || b == null) {
            return false;
        }
        // Balloon: the lowest value is the worst.
        final boolean lowerIsWorse = candidate.getSource().contains(" balloon ");
        return lowerIsWorse ? a < b : a > b;
    }
}
