package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.serde.AvroBinarySerde;
import io.incidentcorrelator.testsupport.Incidents;
import io.incidentcorrelator.topology.StoreNames;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class IncidentsViewUpdaterTest {

    private static final Duration RETENTION = Duration.ofDays(7);

    @Test
    void anIncidentEndedMoreThanTheRetentionAgoLeavesTheViewOnTheStreamTimeSweep() {
        final MockProcessorContext<Void, Void> context = new MockProcessorContext<>();
        final KeyValueStore<String, Incident> view = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(StoreNames.INCIDENTS_VIEW), Serdes.String(),
                        AvroBinarySerde.of(Incident.class))
                .withLoggingDisabled().build();
        view.init(context.getStateStoreContext(), view);
        context.addStateStore(view);
        final IncidentsViewUpdater updater = new IncidentsViewUpdater(RETENTION);
        updater.init(context);

        final Incident old = Incidents.incident("prod", IncidentCategory.APP_CRASH, "2026-01-01T10:00:00Z", 5,
                "apps/api-prod-1");
        final Incident recent = Incidents.incident("prod", IncidentCategory.APP_CRASH, "2026-01-07T10:00:00Z", 5,
                "apps/api-prod-2");
        updater.process(new Record<>(old.getId(), old, 0));
        updater.process(new Record<>(recent.getId(), recent, 0));

        final MockProcessorContext.CapturedPunctuator sweep = context.scheduledPunctuators().get(0);
        assertEquals(PunctuationType.STREAM_TIME, sweep.getType());
        assertEquals(IncidentsViewUpdater.PURGE_EVERY, sweep.getInterval());
        // Stream time 7 days and 1 minute after the old incident's end: it goes, the recent one stays.
        sweep.getPunctuator().punctuate(Instant.parse("2026-01-08T10:06:00Z").toEpochMilli());

        assertNull(view.get(old.getId()));
        assertNotNull(view.get(recent.getId()));
    }
}
