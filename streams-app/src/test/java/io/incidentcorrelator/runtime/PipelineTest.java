package io.incidentcorrelator.runtime;

import io.incidentcorrelator.config.CorrelatorConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PipelineTest {

    private static final CorrelatorConfig CONFIG = CorrelatorConfig.defaults();

    private static Properties streams(Map<String, String> overrides) {
        return Pipeline.streamsProperties(CONFIG, "dummy:9092", "pipeline-test", Path.of("unused"), overrides);
    }

    private static long longOf(Properties p, String key) {
        return Long.parseLong(String.valueOf(p.get(key)));
    }

    @Test
    void liveAndReplaysCommitEverySecondAndReplaysWaitForEveryPartition() {
        assertEquals(Pipeline.COMMIT_INTERVAL_MS, longOf(streams(Map.of()), StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));

        final Properties replay = streams(Pipeline.withReplayDefaults(Map.of()));
        assertEquals(Pipeline.COMMIT_INTERVAL_MS, longOf(replay, StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(500, longOf(replay, StreamsConfig.MAX_TASK_IDLE_MS_CONFIG));
        // History from years ago must not be deleted from the windowed changelogs as it is written.
        assertEquals(36_500L * 24 * 3600 * 1000,
                longOf(replay, StreamsConfig.WINDOW_STORE_CHANGE_LOG_ADDITIONAL_RETENTION_MS_CONFIG));
        // A recent night's closing tick is ahead of the broker's clock, and so is what the topology writes on it.
        assertEquals(Long.MAX_VALUE, longOf(replay,
                StreamsConfig.topicPrefix(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG)));
        assertEquals(null, streams(Map.of()).get(
                StreamsConfig.topicPrefix(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG)),
                "live, the broker's own limit stands");
    }

    @Test
    void whatTheUserConfiguredWinsOverTheReplayDefaults() {
        final Properties replay = streams(Pipeline.withReplayDefaults(Map.of(
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "250",
                StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0")));
        assertEquals(250, longOf(replay, StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(0, longOf(replay, StreamsConfig.MAX_TASK_IDLE_MS_CONFIG));
    }
}
