package io.incidentcorrelator.collectors.proxmox;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** WireMock on loopback and a token whose secret is made up per run. */
final class ProxmoxTestSupport {

    static final String TOKEN_ID = "collector@pve!incident-correlator";

    private ProxmoxTestSupport() {
    }

    static WireMockServer startHttp() {
        final WireMockServer server = new WireMockServer(WireMockConfiguration.options()
                .bindAddress("127.0.0.1").dynamicPort().containerThreads(8).jettyAcceptors(1));
        server.start();
        return server;
    }

    /** Random per run; obviously not a real credential. */
    static String fakeSecret() {
        return UUID.randomUUID().toString();
    }

    static ProxmoxConfig config(URI apiUrl, String secret, List<String> nodes) {
        return ProxmoxConfig.of(apiUrl, ApiToken.of(TOKEN_ID, secret))
                .withNodes(nodes)
                .withTimings(Duration.ofSeconds(30), Duration.ofMillis(1500), Duration.ofMinutes(5))
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
