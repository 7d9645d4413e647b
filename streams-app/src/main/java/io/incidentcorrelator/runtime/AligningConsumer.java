package io.incidentcorrelator.runtime;

import io.incidentcorrelator.topology.CatchUpAlignment;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A stream thread's main consumer that, after each poll, pauses the input partitions of the routing
 * tasks {@link CatchUpAlignment#ahead()} names and resumes them when they are no longer ahead. Kafka
 * Streams pauses and resumes partitions too (a full input buffer, a task still restoring): a
 * partition is fetched only when neither holds it, and Streams sees only its own pauses in
 * {@link #paused()}. Kafka Streams stops a task whose input buffer ran empty for a partition with
 * data on the broker ({@code max.task.idle.ms} ≥ 0), so a held task stops within its buffered records.
 */
final class AligningConsumer implements Consumer<byte[], byte[]> {

    private final Consumer<byte[], byte[]> delegate;
    private final CatchUpAlignment alignment;
    private final Set<String> routingTopics;
    /** What Kafka Streams paused and did not resume. */
    private final Set<TopicPartition> pausedByStreams = new HashSet<>();
    /** What this consumer paused for the alignment. */
    private final Set<TopicPartition> held = new HashSet<>();
    private Set<Integer> heldTasks = Set.of();
    /** The assignment changed since the last look: a partition assigned again is not paused. */
    private boolean reassigned = true;

    AligningConsumer(Consumer<byte[], byte[]> delegate, CatchUpAlignment alignment, Set<String> routingTopics) {
        this.delegate = delegate;
        this.alignment = alignment;
        this.routingTopics = routingTopics;
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        final ConsumerRecords<byte[], byte[]> records = delegate.poll(timeout);
        align();
        return records;
    }

    private void align() {
        final Set<Integer> ahead = alignment.ahead();
        if (ahead.equals(heldTasks) && !reassigned) {
            return;
        }
        heldTasks = ahead;
        reassigned = false;
        final List<TopicPartition> pause = new ArrayList<>();
        final List<TopicPartition> resume = new ArrayList<>();
        final Set<TopicPartition> paused = delegate.paused();
        for (TopicPartition tp : delegate.assignment()) {
            if (!routingTopics.contains(tp.topic())) {
                continue;
            }
            if (ahead.contains(tp.partition())) {
                if (held.add(tp) || !paused.contains(tp)) {
                    pause.add(tp);
                }
            } else if (held.remove(tp) && !pausedByStreams.contains(tp)) {
                resume.add(tp);
            }
        }
        if (!pause.isEmpty()) {
            delegate.pause(pause);
        }
        if (!resume.isEmpty()) {
            delegate.resume(resume);
        }
    }

    @Override
    public void pause(Collection<TopicPartition> partitions) {
        pausedByStreams.addAll(partitions);
        delegate.pause(partitions);
    }

    @Override
    public void resume(Collection<TopicPartition> partitions) {
        pausedByStreams.removeAll(partitions);
        final List<TopicPartition> free = new ArrayList<>(partitions);
        free.removeAll(held);
        delegate.resume(free);
    }

    @Override
    public Set<TopicPartition> paused() {
        final Set<TopicPartition> paused = new HashSet<>(delegate.paused());
        for (TopicPartition tp : held) {
            if (!pausedByStreams.contains(tp)) {
                paused.remove(tp);
            }
        }
        return paused;
    }

    /** Partitions revoked or lost are no longer paused by anyone; assigned again, they start unpaused. */
    private ConsumerRebalanceListener tracking(ConsumerRebalanceListener listener) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                forget(partitions);
                listener.onPartitionsRevoked(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                reassigned = true;
                listener.onPartitionsAssigned(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                forget(partitions);
                listener.onPartitionsLost(partitions);
            }
        };
    }

    private void forget(Collection<TopicPartition> partitions) {
        pausedByStreams.removeAll(partitions);
        held.removeAll(partitions);
        reassigned = true;
    }

    @Override
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        delegate.subscribe(topics, tracking(listener));
    }

    @Override
    public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
        delegate.subscribe(pattern, tracking(listener));
    }

    @Override
    public void subscribe(SubscriptionPattern pattern, ConsumerRebalanceListener listener) {
        delegate.subscribe(pattern, tracking(listener));
    }

    @Override
    public void subscribe(Collection<String> topics) {
        subscribe(topics, new NoOpListener());
    }

    @Override
    public void subscribe(Pattern pattern) {
        subscribe(pattern, new NoOpListener());
    }

    @Override
    public void subscribe(SubscriptionPattern pattern) {
        subscribe(pattern, new NoOpListener());
    }

    private static final class NoOpListener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }
    }

    @Override
    public void unsubscribe() {
        forget(new ArrayList<>(delegate.assignment()));
        delegate.unsubscribe();
    }

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        forget(new ArrayList<>(delegate.assignment()));
        delegate.assign(partitions);
    }

    // What follows only passes the call on.

    @Override
    public Set<TopicPartition> assignment() {
        return delegate.assignment();
    }

    @Override
    public Set<String> subscription() {
        return delegate.subscription();
    }

    @Override
    public void commitSync() {
        delegate.commitSync();
    }

    @Override
    public void commitSync(Duration timeout) {
        delegate.commitSync(timeout);
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        delegate.commitSync(offsets);
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
        delegate.commitSync(offsets, timeout);
    }

    @Override
    public void commitAsync() {
        delegate.commitAsync();
    }

    @Override
    public void commitAsync(OffsetCommitCallback callback) {
        delegate.commitAsync(callback);
    }

    @Override
    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        delegate.commitAsync(offsets, callback);
    }

    @Override
    public void registerMetricForSubscription(KafkaMetric metric) {
        delegate.registerMetricForSubscription(metric);
    }

    @Override
    public void unregisterMetricFromSubscription(KafkaMetric metric) {
        delegate.unregisterMetricFromSubscription(metric);
    }

    @Override
    public void seek(TopicPartition partition, long offset) {
        delegate.seek(partition, offset);
    }

    @Override
    public void seek(TopicPartition partition, OffsetAndMetadata offsetAndMetadata) {
        delegate.seek(partition, offsetAndMetadata);
    }

    @Override
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        delegate.seekToBeginning(partitions);
    }

    @Override
    public void seekToEnd(Collection<TopicPartition> partitions) {
        delegate.seekToEnd(partitions);
    }

    @Override
    public long position(TopicPartition partition) {
        return delegate.position(partition);
    }

    @Override
    public long position(TopicPartition partition, Duration timeout) {
        return delegate.position(partition, timeout);
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        return delegate.committed(partitions);
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
        return delegate.committed(partitions, timeout);
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
        return delegate.clientInstanceId(timeout);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        return delegate.metrics();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        return delegate.partitionsFor(topic);
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
        return delegate.partitionsFor(topic, timeout);
    }

    @Override
    public Map<String, List<PartitionInfo>> listTopics() {
        return delegate.listTopics();
    }

    @Override
    public Map<String, List<PartitionInfo>> listTopics(Duration timeout) {
        return delegate.listTopics(timeout);
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch) {
        return delegate.offsetsForTimes(timestampsToSearch);
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch,
                                                                   Duration timeout) {
        return delegate.offsetsForTimes(timestampsToSearch, timeout);
    }

    @Override
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return delegate.beginningOffsets(partitions);
    }

    @Override
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        return delegate.beginningOffsets(partitions, timeout);
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return delegate.endOffsets(partitions);
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        return delegate.endOffsets(partitions, timeout);
    }

    @Override
    public OptionalLong currentLag(TopicPartition topicPartition) {
        return delegate.currentLag(topicPartition);
    }

    @Override
    public ConsumerGroupMetadata groupMetadata() {
        return delegate.groupMetadata();
    }

    @Override
    public void enforceRebalance() {
        delegate.enforceRebalance();
    }

    @Override
    public void enforceRebalance(String reason) {
        delegate.enforceRebalance(reason);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void close(Duration timeout) {
        delegate.close(timeout);
    }

    @Override
    public void close(CloseOptions option) {
        delegate.close(option);
    }

    @Override
    public void wakeup() {
        delegate.wakeup();
    }
}
