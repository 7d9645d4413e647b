package io.incidentcorrelator.collectors.kubernetes;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KubernetesCollectorConfigTest {

    @Test
    void defaults() {
        final KubernetesCollectorConfig c = KubernetesCollectorConfig.of("prod");
        assertEquals("prod", c.cluster());
        assertNull(c.context());
        assertTrue(c.allNamespaces());
        assertTrue(c.includeLogs());
        assertEquals(40, c.logTailLines());
        assertNull(c.ledgerPath());
        assertEquals(Duration.ofMinutes(10), c.resyncPeriod());
        assertEquals("pod-restarts", c.topic());
    }

    @Test
    void rejectsWhatWouldBreakTheKey() {
        assertThrows(IllegalArgumentException.class, () -> KubernetesCollectorConfig.of("prod/eu"));
        assertThrows(IllegalArgumentException.class, () -> KubernetesCollectorConfig.of(" "));
        assertThrows(IllegalArgumentException.class,
                () -> KubernetesCollectorConfig.of("prod").withNamespaces(List.of("a/b")));
        assertThrows(IllegalArgumentException.class, () -> KubernetesCollectorConfig.of("prod").withLogs(true, 0));
        assertThrows(IllegalArgumentException.class,
                () -> KubernetesCollectorConfig.of("prod").withResyncPeriod(Duration.ofSeconds(-1)));
    }

    @Test
    void blankContextMeansTheCurrentOne() {
        assertNull(KubernetesCollectorConfig.of("prod").withContext("").context());
        assertEquals(List.of("a", "b"), KubernetesCollectorConfig.of("prod").withNamespaces(List.of("a", "b", "a")).namespaces());
    }
}
