package io.incidentcorrelator.testsupport;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.avro.Severity;
import io.incidentcorrelator.incident.IncidentIds;
import io.incidentcorrelator.serde.AvroClassTrust;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** Incident records for tests of the downstream readers: only what they look at is filled in meaningfully. */
public final class Incidents {

    static {
        AvroClassTrust.trustGeneratedClasses();
    }

    private Incidents() {
    }

    /**
     * Revision 1, OPEN, window {@code start} .. {@code start + minutes}, one container per pod
     * ({@code namespace/pod}), id as the pipeline makes it.
     */
    public static Incident incident(String cluster, IncidentCategory category, String start, int minutes,
                                    String... pods) {
        final Instant from = Instant.parse(start);
        final boolean isTransient = switch (category) {
            case BACKUP_IO_CONTENTION, HOST_MEMORY_PRESSURE, HOST_CPU_CONTENTION -> true;
            default -> false;
        };
        return Incident.newBuilder()
                .setId(IncidentIds.of(cluster, category, from)).setRevision(1).setStatus(IncidentStatus.OPEN)
                .setCategory(category).setTransient$(isTransient).setSeverity(Severity.WARNING).setConfidence(0.9)
                .setCluster(cluster).setHosts(List.of("pihanga"))
                .setPods(podSummaries(pods))
                .setWindowStart(from).setWindowEnd(from.plus(Duration.ofMinutes(minutes)))
                .setEvidence(List.of()).setContributingFactors(List.of())
                .setSummary(String.join(", ", pods) + " restarted (" + category + ")")
                .setRecommendedActions(List.of()).setClassifierVersion("test")
                .build();
    }

    /** The next revision of {@code incident} with {@code status}. */
    public static Incident revise(Incident incident, IncidentStatus status) {
        return Incident.newBuilder(incident).setRevision(incident.getRevision() + 1).setStatus(status).build();
    }

    public static List<PodSummary> podSummaries(String... pods) {
        return Arrays.stream(pods).map(p -> {
            final String[] nsPod = p.split("/", 2);
            return new PodSummary(nsPod[0], nsPod[1], nsPod[1].replaceAll("-[a-z0-9]+-[a-z0-9]+$", ""), null, 2,
                    "Error", 1);
        }).toList();
    }
}
