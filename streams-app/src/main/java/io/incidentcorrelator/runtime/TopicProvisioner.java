package io.incidentcorrelator.runtime;

import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Creates the topics the pipeline reads and writes when they are missing: the event topics,
 * the compacted tables and incidents topic, the dead-letter and clock topics. Existing topics
 * are left as they are.
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private TopicProvisioner() {
    }

    /**
     * Topic settings for replays: keep every record whatever its timestamp. Brokers delete by record
     * timestamp, and history is older than any retention; and since Kafka 4.0 they refuse records
     * stamped more than an hour ahead of their clock, which the closing tick of a night that ended
     * less than its 2 h 31 min ago is, and so is everything the topology writes on that tick.
     */
    public static final Map<String, String> KEEP_FOREVER = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1",
            TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Long.toString(Long.MAX_VALUE));

    /**
     * Settings {@code run} adds to the topics the pipeline takes events from (the event topics and the
     * clock): the broker stamps each record with its arrival, so that their time retention counts from
     * when a record arrived. With the producer's timestamp, which is the event time, the broker's next
     * retention check (five minutes at most, 30 s after a broker start) deletes a history older than the
     * retention, read or not: a month's backfill on a cluster that keeps a week, anything older than a
     * month on the box. The pipeline takes event time from the payload ({@code EventTimeExtractor}),
     * never from the record timestamp.
     */
    public static final Map<String, String> STAMPED_ON_ARRIVAL = Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG,
            "LogAppendTime");

    /**
     * @param where        how to name the cluster in an error ("the embedded broker", the bootstrap list)
     * @param eventConfigs settings for the event, dead-letter and clock topics, and but for the
     *                     retention for the compacted ones; a replay passes {@link #KEEP_FOREVER}
     */
    public static void ensureTopics(Admin admin, TopicNames names, int partitions, String where,
                                    Map<String, String> eventConfigs) {
        ensureTopics(admin, names, partitions, where, eventConfigs, Map.of());
    }

    /**
     * As above, with {@code sourceConfigs} added for the event topics and the clock ({@link Topic#EVENT_SOURCES});
     * {@code run} passes {@link #STAMPED_ON_ARRIVAL}.
     */
    public static void ensureTopics(Admin admin, TopicNames names, int partitions, String where,
                                    Map<String, String> eventConfigs, Map<String, String> sourceConfigs) {
        final Map<String, String> compacted = new HashMap<>(eventConfigs);
        compacted.remove(TopicConfig.RETENTION_MS_CONFIG);
        compacted.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        final Map<String, String> sources = new HashMap<>(eventConfigs);
        sources.putAll(sourceConfigs);
        final List<NewTopic> wanted = new ArrayList<>();
        for (Topic<?> topic : Topic.ALL) {
            // The clock has as many partitions as the event topics: a replay's closing tick goes to every routing task.
            final int count = topic.role() == Topic.Role.DEAD_LETTER ? 1 : partitions;
            wanted.add(new NewTopic(names.name(topic), Optional.of(count), Optional.empty())
                    .configs(topic.compacted() ? compacted : Topic.EVENT_SOURCES.contains(topic) ? sources : eventConfigs));
        }
        final Set<String> existing;
        try {
            existing = admin.listTopics(new ListTopicsOptions().timeoutMs(20_000)).names().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("Cannot reach Kafka at " + where + ": " + Failures.rootMessage(e), e);
        }
        final List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
        if (missing.isEmpty()) {
            return;
        }
        try {
            admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create topics " + missing.stream().map(NewTopic::name).toList()
                        + " on " + where + ": " + Failures.rootMessage(e), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        }
        awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
    }

    /**
     * A topic exists for the controller, and even has a leader in the broker's metadata, before the
     * broker leads its partitions. An idempotent producer whose first batch gets NOT_LEADER_OR_FOLLOWER
     * there while a later batch of the same partition lands (the broker takes any first sequence from
     * a producer it does not know) retries that first batch with OUT_OF_ORDER_SEQUENCE_NUMBER until its
     * delivery timeout. Wait until every partition answers a ListOffsets, which only its leader does.
     */
    public static void awaitLeaders(Admin admin, List<String> topicNames) {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                final Map<String, TopicDescription> d = admin.describeTopics(topicNames).allTopicNames().get();
                final boolean led = d.values().stream().allMatch(t -> t.partitions().stream()
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (led) {
                    endOffsets(admin, topicNames);
                    return;
                }
            } catch (ExecutionException e) {
                LOG.debug("Topics not ready yet: {}", Failures.rootMessage(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for topics", e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Topics " + topicNames + " have no leader after 30 s");
            }
            Failures.sleep(50);
        }
    }


    public static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics)
            throws ExecutionException, InterruptedException {
        final Map<String, TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames().get();
        final Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        descriptions.values().forEach(d -> d.partitions()
                .forEach(p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        final Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result =
                admin.listOffsets(request).all().get();
        return result.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

}
