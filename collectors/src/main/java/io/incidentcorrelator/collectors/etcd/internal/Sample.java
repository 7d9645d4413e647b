package io.incidentcorrelator.collectors.etcd.internal;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/** One line of a Prometheus text exposition: name, labels, value and the optional timestamp (ms). */
public record Sample(String name, Map<String, String> labels, double value, OptionalLong timestampMillis) {

    public Sample {
        Objects.requireNonNull(name, "name");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(timestampMillis, "timestampMillis");
    }

    public String label(String labelName) {
        return labels.get(labelName);
    }
}
