package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;

import java.util.List;

/** The input topic an event came from, after the repartition topic has hidden it. */
public record SourceTopics(TopicNames names) {

    /** What the topology reads into its events: each carries a payload type of its own. */
    private static final List<Topic<?>> READ_AS_EVENTS = Topic.withRole(Topic.Role.EVENTS, Topic.Role.CLOCK);

    public String topicOf(Object payload) {
        for (Topic<?> topic : READ_AS_EVENTS) {
            if (topic.valueType().isInstance(payload)) {
                return names.name(topic);
            }
        }
        return "unknown";
    }
}
