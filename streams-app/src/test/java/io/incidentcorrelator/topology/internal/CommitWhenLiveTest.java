package io.incidentcorrelator.topology.internal;

import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommitWhenLiveTest {

    private static final Instant NOW = Instant.parse("2026-12-07T02:00:00Z");
    private static final Duration HORIZON = Duration.ofHours(2);

    @Test
    void aLiveRecordAsksForACommitAtOnceAndHistoryWaitsForTheInterval() {
        final MockProcessorContext<String, String> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(NOW.toEpochMilli());
        final CommitWhenLive commit = new CommitWhenLive(context, HORIZON);

        commit.after(NOW.minusSeconds(3).toEpochMilli());
        assertTrue(context.committed(), "a restart three seconds old is committed at once");

        context.resetCommit();
        commit.after(NOW.minus(HORIZON).toEpochMilli());
        assertTrue(context.committed(), "the horizon's edge is still live");

        context.resetCommit();
        commit.after(NOW.minus(HORIZON).minusMillis(1).toEpochMilli());
        assertFalse(context.committed(), "a catch-up or a replay commits on its interval");
    }
}
