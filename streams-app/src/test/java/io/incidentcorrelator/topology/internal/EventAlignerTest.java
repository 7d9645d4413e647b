package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.internal.CorrelationEvent;
import io.incidentcorrelator.classify.Events;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules of {@link EventAligner} for sources that have not started (docs/architecture.md,
 * "A source that has not started yet"), with three routing tasks reporting progress as
 * {@link EventRouter} does, while history is read (wall clock days after the events).
 */
class EventAlignerTest {

    private static final Duration IDLE_AFTER = Duration.ofSeconds(30);
    private static final long IDLE = InputWatermark.IDLE;
    private static final int EVIDENCE = EventAligner.kindBit(Events.host("h", "00:00", 0, 0, 0))
            | EventAligner.kindBit(Events.backup("h", BackupPhase.JOB_START, "00:00", "h", null))
            | EventAligner.kindBit(Events.etcd("c", "m", "00:00", 0.01, 0));

    private final Serde<CorrelationEvent> events = Pipeline.internalSerdes().forValue(CorrelationEvent.class);
    private MockProcessorContext<String, CorrelationEvent> context;
    private EventAligner aligner;

    @BeforeEach
    void start() {
        context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(Instant.parse("2026-03-10T00:00:00Z").toEpochMilli());
        final KeyValueStore<Bytes, byte[]> buffer = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(StoreNames.ALIGN_BUFFER), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        final KeyValueStore<Integer, Long> progress = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(StoreNames.ROUTING_PROGRESS), Serdes.Integer(), Serdes.Long())
                .withLoggingDisabled().build();
        buffer.init(context.getStateStoreContext(), buffer);
        progress.init(context.getStateStoreContext(), progress);
        context.addStateStore(buffer);
        context.addStateStore(progress);
        aligner = new EventAligner(3, events, Duration.ZERO, Duration.ofHours(2), IDLE_AFTER);
        aligner.init(context);
    }

    @Test
    void historyIsHeldWhileAKindHasNotStartedAndAStartedKindWaitsForEveryRoutingTask() {
        // Backups, then samples, produced before any restart; every input partition went idle.
        event("02:00", Events.backup("ruapehu", BackupPhase.JOB_START, "02:00", "pihanga", null));
        for (int hour = 2; hour <= 8; hour++) {
            final String at = String.format(java.util.Locale.ROOT, "%02d:20", hour);
            event(at, Events.host("ruapehu", at, 0.7, 0.3, 0.3));
            event(at, Events.etcd("prod", "talos-cp-01", at, 0.01, 0));
        }
        progress(0, IDLE, EVIDENCE);
        progress(1, IDLE, EVIDENCE);
        progress(2, IDLE, EVIDENCE);
        assertEquals(List.of(), released(), "restarts have not started: history is held");

        // Routing task 0 reads its first restart (02:30); tasks 1 and 2 still report "idle".
        progress(0, at("02:30"), EVIDENCE | restartBit());
        event("02:30", Events.restart("prod", "a", "talos-cp-01", "02:30").build());
        assertEquals(List.of(), released(), "tasks 1 and 2 have not said whether they read restarts");

        // Task 1 reads its restart (02:23); task 2's restart partition stays empty.
        progress(1, at("02:23"), EVIDENCE | restartBit());
        event("02:23", Events.restart("prod", "b", "talos-cp-01", "02:23").build());
        assertEquals(List.of(), released(), "task 2 has idle-after to report restarts");

        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + IDLE_AFTER.toMillis() + 1);
        context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(context.currentSystemTimeMs()));
        final List<Long> released = released();
        assertEquals(List.of(at("02:00"), at("02:20"), at("02:20"), at("02:23")), released,
                "task 2's restart partition counts as empty now: released up to the slowest task, in order");
    }

    @Test
    void aClockTickReleasesHistoryEvenIfAKindNeverStarts() {
        event("02:20", Events.host("ruapehu", "02:20", 0.7, 0.3, 0.3));
        progress(0, IDLE, EVIDENCE);
        progress(1, IDLE, EVIDENCE);
        progress(2, IDLE, EVIDENCE);
        assertEquals(List.of(), released());
        event("03:00", new ClockTick(Instant.ofEpochMilli(at("03:00"))));
        progress(0, at("03:00"), EVIDENCE);
        assertEquals(List.of(at("02:20"), at("03:00")), released(), "a tick promises everything up to it was produced");
    }

    private static int restartBit() {
        return EventAligner.kindBit(Events.restart("c", "p", "n", "00:00").build());
    }

    private static long at(String hhmm) {
        return Events.at(hhmm).toEpochMilli();
    }

    private void event(String hhmm, SpecificRecord payload) {
        aligner.process(new Record<>(payload instanceof ClockTick ? EventRouter.BROADCAST_KEY : "prod",
                new CorrelationEvent(payload), at(hhmm)));
    }

    private void progress(int task, long watermark, int kinds) {
        final Record<String, CorrelationEvent> r = new Record<>(EventRouter.BROADCAST_KEY,
                new CorrelationEvent(new ClockTick(Instant.ofEpochMilli(watermark))), 0L);
        r.headers().add(EventRouter.HEADER_PROGRESS_FROM, ByteBuffer.allocate(4).putInt(task).array());
        r.headers().add(EventRouter.HEADER_PROGRESS_KINDS, new byte[] {(byte) kinds});
        aligner.process(r);
    }

    /** Event times forwarded since the last call, in order. */
    private List<Long> released() {
        final List<Long> out = context.forwarded().stream().map(f -> f.record().timestamp()).toList();
        context.resetForwards();
        assertTrue(out.stream().sorted().toList().equals(out), "in event-time order: " + out);
        return out;
    }
}
