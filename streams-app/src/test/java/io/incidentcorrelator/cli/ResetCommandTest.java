package io.incidentcorrelator.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ResetCommandTest {

    @Test
    void toDatetimeAcceptsIsoAsPeopleWriteItAndPassesKafkasFormat() {
        assertEquals("2026-03-01T00:00:00.000Z", ResetCommand.kafkaDatetime("2026-03-01T00:00:00Z"));
        assertEquals("2026-03-01T00:00:00.000Z", ResetCommand.kafkaDatetime("2026-03-01T02:00:00+02:00"));
        assertEquals("2026-03-01T00:00:00.250Z", ResetCommand.kafkaDatetime("2026-03-01T00:00:00.250"));
        assertNull(ResetCommand.kafkaDatetime("yesterday"));
        assertNull(ResetCommand.kafkaDatetime("2026-03-01"));
    }

    @Test
    void withoutAClusterResetIsAUsageError() {
        assertEquals(CorrelatorCli.EXIT_USAGE, CorrelatorCli.execute("reset", "--application-id", "x"));
    }

    @Test
    void aBadDatetimeIsAUsageErrorBeforeAnyClusterIsContacted() {
        assertEquals(CorrelatorCli.EXIT_USAGE, CorrelatorCli.execute("reset", "--application-id", "x",
                "--bootstrap-servers", "127.0.0.1:1", "--to-datetime", "last tuesday"));
    }

    @Test
    void theApplicationIdMustBeGiven() {
        assertNotEquals(0, CorrelatorCli.execute("reset", "--bootstrap-servers", "127.0.0.1:1"));
    }
}
