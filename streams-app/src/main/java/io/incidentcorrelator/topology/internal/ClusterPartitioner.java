package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

import java.nio.charset.StandardCharsets;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Events go to their cluster's partition by the default key hash (murmur2, as the producer does); clock ticks go to every
 * partition, since every task must see event time advance to close its windows.
 */
public final class ClusterPartitioner implements StreamPartitioner<String, CorrelationEvent> {

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, CorrelationEvent value, int numPartitions) {
        if (value != null && value.getPayload() instanceof ClockTick) {
            return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
        }
        // Kafka's default partitioning of a String key, so producers keyed by cluster agree.
        final byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(bytes)) % numPartitions));
    }
}
