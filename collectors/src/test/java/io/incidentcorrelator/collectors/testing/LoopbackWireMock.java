package io.incidentcorrelator.collectors.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

/** A started WireMock on loopback and a free port, standing in for the Proxmox API or Prometheus. */
public final class LoopbackWireMock {

    private LoopbackWireMock() {
    }

    public static WireMockServer start() {
        final WireMockServer server = new WireMockServer(WireMockConfiguration.options()
                .bindAddress("127.0.0.1").dynamicPort().containerThreads(8).jettyAcceptors(1));
        server.start();
        return server;
    }
}
