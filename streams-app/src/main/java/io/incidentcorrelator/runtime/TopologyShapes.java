package io.incidentcorrelator.runtime;

import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topology.TopologyFactory;
import io.incidentcorrelator.topology.TopologyFactory.Shape;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Which {@link Shape} the topology takes, from the topics as they are when the application starts,
 * and how far an application is behind on what it consumes in either shape.
 *
 * <p>The repartition topic is left out only when every input topic has one partition (one task then
 * reads every cluster) and it holds nothing the application has not processed: an application that
 * ran with it before drains it first, and leaves it out from the next start on. Input topics only ever
 * gain partitions; when they do, the application takes the repartitioned shape, whose changelog topics
 * need as many partitions as the inputs, and Kafka Streams refuses to start until {@code correlator
 * reset} removed the old ones.
 */
public final class TopologyShapes {

    /**
     * The shape and why, for the log, and how many routing tasks there are (the most partitions of
     * any input topic): each sends its event-time progress to the correlation, which waits for all.
     */
    public record Choice(Shape shape, String reason, int routingTasks) {
        public Choice(Shape shape, String reason) {
            this(shape, reason, 1);
        }
    }

    private static final long TIMEOUT_SECONDS = 30;

    private TopologyShapes() {
    }

    /** The repartition topic of {@code applicationId} when its topology has one. */
    public static String repartitionTopic(String applicationId) {
        return applicationId + "-" + TopologyFactory.EVENTS_BY_CLUSTER + "-repartition";
    }

    /** The topics the topology reads events from: the four event topics and the replay clock. */
    public static List<String> inputTopics(TopicNames names) {
        return Topic.EVENT_SOURCES.stream().map(names::name).toList();
    }

    /** As below, through an Admin client of its own ({@code clientSettings}: security and the like). */
    public static Choice choose(String bootstrapServers, Map<String, ?> clientSettings, TopicNames names,
                                String applicationId) {
        try (Admin admin = admin(bootstrapServers, clientSettings)) {
            return choose(admin, names, applicationId);
        }
    }

    /** An admin client with the application's client settings (security, timeouts). */
    public static Admin admin(String bootstrapServers, Map<String, ?> clientSettings) {
        final Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(settings);
    }

    public static Choice choose(Admin admin, TopicNames names, String applicationId) {
        try {
            final Map<String, TopicDescription> inputs = admin.describeTopics(inputTopics(names)).allTopicNames()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            final int routingTasks = inputs.values().stream().mapToInt(d -> d.partitions().size()).max().orElse(1);
            for (TopicDescription d : inputs.values()) {
                if (d.partitions().size() != 1) {
                    return new Choice(Shape.REPARTITION_BY_CLUSTER, "input topic " + d.name() + " has "
                            + d.partitions().size() + " partitions: events are repartitioned by cluster", routingTasks);
                }
            }
            final long unprocessed = unprocessedRepartitionRecords(admin, applicationId);
            if (unprocessed > 0) {
                return new Choice(Shape.REPARTITION_BY_CLUSTER, repartitionTopic(applicationId) + " still holds "
                        + unprocessed + " records not yet processed: keeping it until they are (from the next start"
                        + " on, every input topic having one partition, events go straight to the classifier)");
            }
            return new Choice(Shape.SINGLE_PARTITION,
                    "every input topic has one partition: one task reads every cluster, no repartition topic");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return new Choice(Shape.REPARTITION_BY_CLUSTER, "an input topic does not exist yet ("
                        + e.getCause().getMessage() + "): events are repartitioned by cluster");
            }
            throw new IllegalStateException("Cannot describe the input topics of " + applicationId + ": "
                    + Failures.rootMessage(e), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not describe the input topics of " + applicationId + " within "
                    + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while choosing the topology", e);
        }
    }

    private static long unprocessedRepartitionRecords(Admin admin, String applicationId)
            throws ExecutionException, InterruptedException, TimeoutException {
        final String repartition = repartitionTopic(applicationId);
        if (!admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).contains(repartition)) {
            return 0;
        }
        final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                .partitionsToOffsetAndMetadata().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return behindByTopic(committed, TopicProvisioner.endOffsets(admin, List.of(repartition))).getOrDefault(repartition, 0L);
    }

    /**
     * Records {@code applicationId} has not committed on {@code inputs} and, if its topology has
     * one, on its repartition topic. With exactly-once, output and offsets are committed together:
     * at 0, everything the inputs held is in the output. The committed offsets are read before the
     * topic list, so a repartition topic is never missed: it exists before any input offset is
     * committed.
     */
    public static long behind(Admin admin, String applicationId, Collection<String> inputs)
            throws ExecutionException, InterruptedException {
        return total(behindByTopic(admin, applicationId, inputs));
    }

    /** The sum of a {@link #behindByTopic} answer. */
    public static long total(Map<String, Long> behindByTopic) {
        return behindByTopic.values().stream().mapToLong(Long::longValue).sum();
    }

    /** As {@link #behind}, per topic. */
    public static Map<String, Long> behindByTopic(Admin admin, String applicationId, Collection<String> inputs)
            throws ExecutionException, InterruptedException {
        final Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
        final List<String> consumed = new ArrayList<>(inputs);
        final String repartition = repartitionTopic(applicationId);
        final Set<String> existing = admin.listTopics().names().get();
        if (existing.contains(repartition)) {
            consumed.add(repartition);
        }
        return behindByTopic(committed, TopicProvisioner.endOffsets(admin, consumed));
    }

    private static Map<String, Long> behindByTopic(Map<TopicPartition, OffsetAndMetadata> committed,
                                                   Map<TopicPartition, Long> ends) {
        final Map<String, Long> behind = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            final OffsetAndMetadata c = committed.get(end.getKey());
            behind.merge(end.getKey().topic(), Math.max(0, end.getValue() - (c == null ? 0 : c.offset())), Long::sum);
        }
        return behind;
    }
}
