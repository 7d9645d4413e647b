package io.incidentcorrelator.collectors.proxmox;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** A Proxmox token whose secret is made up per run, and the shape of the API's answers. */
final class ProxmoxTestSupport {

    static final String TOKEN_ID = "collector@pve!incident-correlator";

    private ProxmoxTestSupport() {
    }

    /** Random per run; obviously not a real credential. */
    static String fakeSecret() {
        return UUID.randomUUID().toString();
    }

    static ProxmoxConfig config(URI apiUrl, String secret, List<String> nodes) {
        return ProxmoxConfig.of(apiUrl, ApiToken.of(TOKEN_ID, secret))
                .withNodes(nodes)
                .withTimings(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMinutes(5))
                .withBackupLookback(Duration.ofHours(24));
    }

    static String expectedHeader(String secret) {
        return "PVEAPIToken" + "=" + TOKEN_ID + "=" + secret;
    }

    /** Wraps the value the way every Proxmox API answer is wrapped. */
    static String data(String json) {
        return "{\"data\":" + json + "}";
    }
}
