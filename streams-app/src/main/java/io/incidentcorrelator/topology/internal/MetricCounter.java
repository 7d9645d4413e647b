package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.metrics.CorrelatorMetrics;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import java.util.Objects;
import java.util.function.Consumer;

/** Counts every record that passes in a metric of the app's registry, and passes it on unchanged. */
public final class MetricCounter<K, V> implements FixedKeyProcessor<K, V, V> {

    private final Consumer<CorrelatorMetrics> count;
    private FixedKeyProcessorContext<K, V> context;
    private CorrelatorMetrics metrics;

    public MetricCounter(Consumer<CorrelatorMetrics> count) {
        this.count = Objects.requireNonNull(count, "count");
    }

    @Override
    public void init(FixedKeyProcessorContext<K, V> context) {
        this.context = context;
        this.metrics = CorrelatorMetrics.from(context.appConfigs());
    }

    @Override
    public void process(FixedKeyRecord<K, V> record) {
        count.accept(metrics);
        context.forward(record);
    }
}
