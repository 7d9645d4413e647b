package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.topics.TopicNames;

/** The input topic an event came from, after the repartition topic has hidden it. */
public record SourceTopics(TopicNames names) {

    public String topicOf(Object payload) {
        if (payload instanceof PodRestart) {
            return names.podRestarts();
        }
        if (payload instanceof BackupEvent) {
            return names.backupEvents();
        }
        if (payload instanceof EtcdLatencySample) {
            return names.etcdLatency();
        }
        if (payload instanceof MemorySample) {
            return names.proxmoxMemory();
        }
        if (payload instanceof ClockTick) {
            return names.clock();
        }
        return "unknown";
    }
}
