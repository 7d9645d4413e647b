package io.incidentcorrelator.runtime;

import io.incidentcorrelator.topology.CatchUpAlignment;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AligningConsumerTest {

    private static final long T0 = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    private static final long MIN = 60_000;
    private static final TopicPartition RESTARTS_0 = new TopicPartition("pod-restarts", 0);
    private static final TopicPartition RESTARTS_1 = new TopicPartition("pod-restarts", 1);
    private static final TopicPartition MEMORY_0 = new TopicPartition("proxmox-memory", 0);
    private static final TopicPartition MEMORY_1 = new TopicPartition("proxmox-memory", 1);
    private static final TopicPartition REPARTITION_1 = new TopicPartition("app-events-by-cluster-repartition", 1);
    private static final List<TopicPartition> ALL = List.of(RESTARTS_0, RESTARTS_1, MEMORY_0, MEMORY_1, REPARTITION_1);

    private final MockConsumer<byte[], byte[]> kafka = new MockConsumer<>("earliest");
    private final CatchUpAlignment alignment = new CatchUpAlignment(Duration.ofMinutes(10));
    private final AligningConsumer consumer = new AligningConsumer(kafka, alignment,
            Set.of("pod-restarts", "proxmox-memory"));
    private final List<String> rebalances = new ArrayList<>();

    @BeforeEach
    void assigned() {
        consumer.subscribe(List.of("pod-restarts", "proxmox-memory", "app-events-by-cluster-repartition"),
                new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        rebalances.add("revoked " + partitions.size());
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        rebalances.add("assigned " + partitions.size());
                    }
                });
        final Map<TopicPartition, Long> offsets = new HashMap<>();
        ALL.forEach(tp -> offsets.put(tp, 0L));
        kafka.updateBeginningOffsets(offsets);
        kafka.rebalance(ALL);
    }

    @Test
    void pausesTheRoutingPartitionsOfATaskAheadAndHidesItFromStreams() {
        consumer.poll(Duration.ZERO);
        assertEquals(Set.of(), kafka.paused(), "nothing reported yet: nothing held");
        alignment.routed(0, T0);
        alignment.routed(1, T0 + 60 * MIN);
        consumer.poll(Duration.ZERO);
        assertEquals(Set.of(RESTARTS_1, MEMORY_1), kafka.paused(), "the repartition topic is the correlation's");
        assertEquals(Set.of(), consumer.paused());

        // Kafka Streams pauses a full buffer and resumes it: still held.
        consumer.pause(List.of(MEMORY_1, MEMORY_0));
        assertEquals(Set.of(MEMORY_1, MEMORY_0), consumer.paused());
        consumer.resume(List.of(MEMORY_1));
        assertEquals(Set.of(RESTARTS_1, MEMORY_1, MEMORY_0), kafka.paused());
        assertEquals(Set.of(MEMORY_0), consumer.paused());

        // Caught up: what only the alignment held is fetched again; what Streams paused stays paused.
        consumer.pause(List.of(RESTARTS_1));
        alignment.routed(0, T0 + 58 * MIN);
        consumer.poll(Duration.ZERO);
        assertEquals(Set.of(RESTARTS_1, MEMORY_0), kafka.paused());
        assertEquals(Set.of(RESTARTS_1, MEMORY_0), consumer.paused());
    }

    @Test
    void aPartitionAssignedAgainIsHeldAgainAndTheListenerStillHears() {
        alignment.routed(0, T0);
        alignment.routed(1, T0 + 60 * MIN);
        consumer.poll(Duration.ZERO);
        kafka.rebalance(List.of(RESTARTS_0, MEMORY_0));
        kafka.rebalance(ALL);
        // A KafkaConsumer forgets the pause of a partition it lost (the mock does not).
        kafka.resume(List.of(RESTARTS_1, MEMORY_1));
        consumer.poll(Duration.ZERO);
        assertEquals(Set.of(RESTARTS_1, MEMORY_1), kafka.paused());
        assertEquals(List.of("assigned 5", "revoked 3", "assigned 0", "assigned 3"), rebalances);
    }
}
