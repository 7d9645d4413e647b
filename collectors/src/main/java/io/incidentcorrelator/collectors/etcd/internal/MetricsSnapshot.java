package io.incidentcorrelator.collectors.etcd.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;

/** Everything one scrape returned, with lookups by sample name and the histogram view the collector needs. */
public final class MetricsSnapshot {

    private final List<Sample> samples;
    private final Map<String, List<Sample>> byName;
    private final Map<String, String> types;
    private final Map<String, String> help;
    private final List<ParseError> errors;

    MetricsSnapshot(List<Sample> samples, Map<String, String> types, Map<String, String> help, List<ParseError> errors) {
        this.samples = List.copyOf(samples);
        final Map<String, List<Sample>> grouped = new LinkedHashMap<>();
        for (Sample s : this.samples) {
            grouped.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(s);
        }
        grouped.replaceAll((k, v) -> List.copyOf(v));
        this.byName = Collections.unmodifiableMap(grouped);
        this.types = Map.copyOf(types);
        this.help = Map.copyOf(help);
        this.errors = List.copyOf(errors);
    }

    public List<Sample> samples() {
        return samples;
    }

    public List<Sample> samples(String name) {
        return byName.getOrDefault(name, List.of());
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** The {@code # TYPE} of a metric family, if declared. */
    public Optional<String> type(String family) {
        return Optional.ofNullable(types.get(family));
    }

    public Optional<String> help(String family) {
        return Optional.ofNullable(help.get(family));
    }

    public List<ParseError> errors() {
        return errors;
    }

    /**
     * The value of a metric summed over all its label sets (what {@code sum(name)} would give);
     * empty if the metric is absent. For the unlabelled gauges etcd exposes this is just the value.
     */
    public OptionalDouble sum(String name) {
        final List<Sample> list = samples(name);
        if (list.isEmpty()) {
            return OptionalDouble.empty();
        }
        double total = 0;
        for (Sample s : list) {
            total += s.value();
        }
        return OptionalDouble.of(total);
    }

    /**
     * The histogram {@code family}, summed over all label sets other than {@code le} (like
     * {@code sum by (le)}). Empty if there are no {@code _bucket} samples.
     */
    public Optional<Histogram> histogram(String family) {
        final List<Sample> buckets = samples(family + "_bucket");
        if (buckets.isEmpty()) {
            return Optional.empty();
        }
        final TreeMap<Double, Double> byBound = new TreeMap<>();
        for (Sample s : buckets) {
            final String le = s.label("le");
            if (le == null) {
                continue;
            }
            final double bound;
            try {
                bound = PrometheusTextParser.parseValue(le);
            } catch (RuntimeException e) {
                continue;
            }
            if (Double.isNaN(bound)) {
                continue;
            }
            byBound.merge(bound, s.value(), Double::sum);
        }
        final OptionalDouble count = sum(family + "_count");
        if (!byBound.containsKey(Double.POSITIVE_INFINITY) && count.isPresent()) {
            // Some exporters leave out +Inf; _count holds the same number by definition.
            byBound.put(Double.POSITIVE_INFINITY, count.getAsDouble());
        }
        if (byBound.isEmpty()) {
            return Optional.empty();
        }
        final List<Histogram.Bucket> list = new ArrayList<>(byBound.size());
        byBound.forEach((bound, c) -> list.add(new Histogram.Bucket(bound, c)));
        final double total = count.orElse(byBound.lastEntry().getValue());
        return Optional.of(new Histogram(list, sum(family + "_sum").orElse(Double.NaN), total));
    }
}
