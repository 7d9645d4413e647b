package io.incidentcorrelator.cli;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.incident.IncidentIds;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code --cluster} / {@code --category}: which incidents a reader of the topic cares about. */
final class IncidentFilterOptions {

    @Option(names = "--cluster", paramLabel = "NAME", description = "Only this cluster's incidents; repeat for several.")
    List<String> clusters = new ArrayList<>();

    @Option(names = "--category", paramLabel = "CATEGORY", converter = CategoryConverter.class,
            description = "Only this category (BACKUP_IO_CONTENTION or backup-io-contention); repeat for several.")
    List<IncidentCategory> categories = new ArrayList<>();

    /** A revision, or a tombstone ({@code incident} null), judged by what its id says. */
    boolean accepts(String id, Incident incident) {
        final String cluster;
        final IncidentCategory category;
        if (incident != null) {
            cluster = incident.getCluster();
            category = incident.getCategory();
        } else {
            final IncidentIds.Parts parts = IncidentIds.parse(id);
            if (parts == null) {
                // Not an id this app makes: show it rather than hide a deletion.
                return true;
            }
            cluster = parts.cluster();
            category = parts.category();
        }
        return (clusters.isEmpty() || clusters.contains(cluster))
                && (categories.isEmpty() || categories.contains(category));
    }

    static final class CategoryConverter implements picocli.CommandLine.ITypeConverter<IncidentCategory> {
        @Override
        public IncidentCategory convert(String value) {
            try {
                return IncidentCategory.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("unknown category " + value
                        + " (one of " + List.of(IncidentCategory.values()) + ")");
            }
        }
    }
}
