package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;

/** The input topic an event came from, after the repartition topic has hidden it. */
public record SourceTopics(TopicNames names) {

    /** Each topic the topology reads as events carries a payload type of its own. */
    public String topicOf(Object payload) {
        for (Topic<?> topic : Topic.EVENT_SOURCES) {
            if (topic.valueType().isInstance(payload)) {
                return names.name(topic);
            }
        }
        return "unknown";
    }
}
