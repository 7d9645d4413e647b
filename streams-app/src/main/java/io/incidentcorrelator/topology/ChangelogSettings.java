package io.incidentcorrelator.topology;

import org.apache.kafka.common.config.TopicConfig;

import java.time.Duration;
import java.util.Map;

/**
 * Topic settings of every state store's changelog (docs/architecture.md, "State stores"). The
 * stores are in memory and restored from their changelogs at every start, so what a changelog keeps
 * is what a restart reads. Kafka Streams sets the cleanup policy and, for window stores, the
 * retention; left at the broker's defaults, a segment rolls only after 7 days or its size
 * (16 MiB on the embedded broker), and neither compaction nor retention touches the segment being
 * written: a box restarted after a month read back everything written since that segment's start
 * (280,000 records, docs/performance.md). These bound that segment.
 */
public final class ChangelogSettings {

    /**
     * Longest span of a changelog segment. Retention deletes whole segments, and compaction (what
     * bounds the key-value stores, whose processors delete what they no longer need) skips the
     * segment being written: a changelog keeps its retention plus up to this much.
     */
    static final Duration SEGMENT_SPAN = Duration.ofHours(1);
    /**
     * A catch-up writes hours of event time in seconds: segments roll by size then. Small enough that
     * the uncompacted tail stays a few tens of thousands of records; not so small that segments roll
     * many times a second (each roll is an fsync queued on the broker's background threads, and a
     * flush that runs after its segment was deleted takes the log dir offline in Kafka 4.3,
     * KAFKA-19571).
     */
    static final int SEGMENT_BYTES = 4 * 1024 * 1024;
    /**
     * How long compaction keeps a delete (the aligner deletes every event it releases, so a catch-up
     * leaves one tombstone per event, 24 h by default). A restore that took longer than this could miss
     * a delete and keep a stale entry; restores take seconds.
     */
    static final Duration TOMBSTONE_RETENTION = Duration.ofMinutes(15);

    /**
     * What every changelog gets on top of Kafka Streams' cleanup policy and retention. The cleaner's
     * own triggers stay the broker's (a pass once half the log is dirty): with a dirty ratio of 0.1 a
     * month's catch-up on the box took 719 s against 438 s without (under different load, so not
     * conclusive; each pass rewrites the whole log, and the in-process broker's cleaner shares the
     * box's two cores with the stream thread), and a maximum compaction lag would start a pass at
     * every roll of a catch-up, whose records carry old event time.
     */
    public static final Map<String, String> TOPIC_CONFIG = Map.of(
            TopicConfig.SEGMENT_MS_CONFIG, Long.toString(SEGMENT_SPAN.toMillis()),
            TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(SEGMENT_BYTES),
            TopicConfig.DELETE_RETENTION_MS_CONFIG, Long.toString(TOMBSTONE_RETENTION.toMillis()));

    private ChangelogSettings() {
    }
}
