package io.incidentcorrelator.bench;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.serde.AvroBinarySerde;
import org.apache.kafka.common.serialization.Serializer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A run's incidents against the one-partition run of the same history: the newest revision of each
 * incident, by id. How many revisions led there may differ (a provisional revision corrected
 * later), so the revision number is not compared; everything else is.
 *
 * @param reference incidents of the one-partition run
 * @param run       incidents of the run compared with it
 * @param lost      ids only the one-partition run has
 * @param extra     ids only the run has
 * @param different ids both have, with different content
 */
record PartitionComparison(int reference, int run, List<String> lost, List<String> extra, List<String> different) {

    private static final Serializer<Incident> ENCODER = AvroBinarySerde.of(Incident.class).serializer();

    /** Ids named in the report line, per kind. */
    private static final int EXAMPLES = 3;

    static PartitionComparison of(Map<String, Incident> reference, Map<String, Incident> run) {
        final List<String> lost = new ArrayList<>();
        final List<String> different = new ArrayList<>();
        for (String id : new TreeSet<>(reference.keySet())) {
            final Incident other = run.get(id);
            if (other == null) {
                lost.add(id);
            } else if (!Arrays.equals(withoutRevision(reference.get(id)), withoutRevision(other))) {
                different.add(id);
            }
        }
        final List<String> extra = new TreeSet<>(run.keySet()).stream().filter(id -> !reference.containsKey(id)).toList();
        return new PartitionComparison(reference.size(), run.size(), List.copyOf(lost), extra, List.copyOf(different));
    }

    /**
     * Compared encoded: {@code Incident.equals} goes through Avro's global data model, which has no
     * conversion for the optional {@code Instant}s inside (an evidence's time) and throws on them.
     */
    private static byte[] withoutRevision(Incident incident) {
        return ENCODER.serialize(null, Incident.newBuilder(incident).setRevision(0).build());
    }

    boolean equal() {
        return lost.isEmpty() && extra.isEmpty() && different.isEmpty();
    }

    /** One line: equal, or how many were lost, extra and different, with a few ids of each. */
    String line(int partitions) {
        if (equal()) {
            return String.format(Locale.ROOT, "incidents on %d partitions against 1 partition: equal (%d of %d)",
                    partitions, run, reference);
        }
        return String.format(Locale.ROOT,
                "incidents on %d partitions against 1 partition: NOT equal: %d lost, %d extra, %d different"
                        + " (%d incidents against %d)%s%s%s",
                partitions, lost.size(), extra.size(), different.size(), run, reference,
                examples("lost", lost), examples("extra", extra), examples("different", different));
    }

    private static String examples(String kind, List<String> ids) {
        if (ids.isEmpty()) {
            return "";
        }
        return "; " + kind + " e.g. " + String.join(", ", ids.subList(0, Math.min(EXAMPLES, ids.size())));
    }
}
