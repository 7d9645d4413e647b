package io.incidentcorrelator.topology.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestartKeyTest {

    private final RestartKey key = new RestartKey("prod", 1_772_070_065_000L, "kube-system/etcd-cp-01/etcd", 12);

    @Test
    void theStoreKeyReadsBackAsTheSameKey() {
        assertEquals("prod|001772070065000|kube-system/etcd-cp-01/etcd|0000000012", key.toString());
        assertEquals(key, RestartKey.parse(key.toString()));
    }

    @Test
    void aTimeRangeOfOneClusterIsAKeyRange() {
        final String k = key.toString();
        assertTrue(RestartKey.from("prod", key.time()).compareTo(k) <= 0);
        assertTrue(RestartKey.through("prod", key.time()).compareTo(k) > 0);
        assertTrue(RestartKey.from("prod", key.time() + 1).compareTo(k) > 0);
        assertTrue(RestartKey.through("prod", key.time() - 1).compareTo(k) < 0);
        assertTrue(k.startsWith(RestartKey.prefix("prod")));
        assertTrue(!k.startsWith(RestartKey.prefix("pro")));
    }
}
