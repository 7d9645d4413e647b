package io.incidentcorrelator.collectors.internal;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SourceHealthTest {

    private final Instant t0 = Instant.parse("2026-02-26T02:00:00Z");

    @Test
    void backsOffExponentiallyUpToTheCapAndResetsOnSuccess() {
        final SourceHealth h = new SourceHealth("test", Duration.ofSeconds(10), Duration.ofSeconds(60),
                LoggerFactory.getLogger(SourceHealthTest.class));
        assertEquals(Duration.ofSeconds(10), h.backoff(1));
        assertEquals(Duration.ofSeconds(20), h.backoff(2));
        assertEquals(Duration.ofSeconds(40), h.backoff(3));
        assertEquals(Duration.ofSeconds(60), h.backoff(4));
        assertEquals(Duration.ofSeconds(60), h.backoff(200));

        assertTrue(h.isDue(t0));
        h.failure(t0, "HTTP 500");
        assertEquals(SourceHealth.State.FAILING, h.state());
        assertFalse(h.isDue(t0.plusSeconds(9)));
        assertTrue(h.isDue(t0.plusSeconds(10)));
        h.failure(t0.plusSeconds(10), "HTTP 500");
        assertFalse(h.isDue(t0.plusSeconds(29)));
        assertTrue(h.isDue(t0.plusSeconds(30)));

        h.success(t0.plusSeconds(30));
        assertEquals(SourceHealth.State.OK, h.state());
        assertEquals(0, h.consecutiveFailures());
        assertTrue(h.isDue(t0.plusSeconds(30)));
    }

    @Test
    void knowsSinceWhenAndWhyItFailsAndWhetherThatIsLongerThanABudget() {
        final SourceHealth h = new SourceHealth("test", Duration.ofSeconds(10), Duration.ofSeconds(60),
                LoggerFactory.getLogger(SourceHealthTest.class));
        assertFalse(h.failingLongerThan(Duration.ofMinutes(1), t0), "unknown is not failing");
        h.failure(t0, "HTTP 500 proxy loop detected");
        h.failure(t0.plusSeconds(10), "HTTP 503");
        assertEquals(t0, h.failingSince());
        assertEquals("HTTP 503", h.lastReason());
        assertEquals(2, h.failuresTotal());
        assertFalse(h.failingLongerThan(Duration.ofMinutes(1), t0.plusSeconds(60)));
        assertTrue(h.failingLongerThan(Duration.ofMinutes(1), t0.plusSeconds(61)));
        h.success(t0.plusSeconds(70));
        assertFalse(h.failingLongerThan(Duration.ofMinutes(1), t0.plusSeconds(200)));
        assertEquals(null, h.failingSince());
        assertEquals(2, h.failuresTotal(), "a counter: not reset by recovery");
    }
}
