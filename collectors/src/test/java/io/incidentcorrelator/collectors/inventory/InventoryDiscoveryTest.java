package io.incidentcorrelator.collectors.inventory;

import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.collectors.proxmox.ApiToken;
import io.incidentcorrelator.collectors.proxmox.ProxmoxClient;
import io.incidentcorrelator.collectors.proxmox.ProxmoxConfig;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InventoryDiscoveryTest {

    // Shaped like GET /api2/json/cluster/resources?type=vm on PVE 8.
    private static final String RESOURCES = """
            {"data":[
             {"id":"qemu/201","type":"qemu","node":"ruapehu","vmid":201,"name":"talos-cp-01","status":"running",
              "template":0,"maxmem":8589934592,"mem":6442450944,"maxcpu":4,"cpu":0.08,"maxdisk":34359738368,"disk":0,
              "diskread":123,"diskwrite":456,"netin":789,"netout":1011,"uptime":86400,"hastate":"started"},
             {"id":"qemu/211","type":"qemu","node":"ruapehu","vmid":211,"name":"k8s-talos-worker-01","status":"running",
              "template":0,"maxmem":12884901888,"mem":9663676416,"maxcpu":4,"cpu":0.21,"uptime":86400},
             {"id":"qemu/301","type":"qemu","node":"pihanga","vmid":301,"name":"TALOS-MONITOR","status":"running",
              "template":0,"maxmem":25769803776,"mem":19327352832,"maxcpu":8,"cpu":0.3,"uptime":86400},
             {"id":"lxc/101","type":"lxc","node":"pihanga","vmid":101,"name":"pbs","status":"running",
              "template":0,"maxmem":4294967296,"mem":2147483648,"maxcpu":2,"cpu":0.02,"uptime":86400},
             {"id":"qemu/9000","type":"qemu","node":"ruapehu","vmid":9000,"name":"talos-worker-02","status":"stopped",
              "template":1,"maxmem":2147483648,"mem":0,"maxcpu":2,"cpu":0,"uptime":0},
             {"id":"qemu/212","type":"qemu","node":"ruapehu","vmid":212,"name":"talos-worker-02-old","status":"stopped",
              "template":0,"maxmem":12884901888,"mem":0,"maxcpu":4,"cpu":0,"uptime":0},
             {"id":"qemu/312","type":"qemu","node":"pihanga","vmid":312,"name":"k8s-talos-worker-02","status":"running",
              "template":0,"maxmem":12884901888,"mem":9663676416,"maxcpu":4,"cpu":0.2,"uptime":86400}
            ]}""";

    @Test
    void fetchesGuestsAndMatchesNodeNames() throws Exception {
        final WireMockServer pve = LoopbackWireMock.start();
        try {
            pve.stubFor(get(urlPathEqualTo("/api2/json/cluster/resources")).withQueryParam("type", equalTo("vm"))
                    .willReturn(okJson(RESOURCES)));
            final String secret = UUID.randomUUID().toString();
            final ProxmoxClient client = new ProxmoxClient(ProxmoxConfig.of(URI.create(pve.baseUrl()),
                    ApiToken.of("collector@pve!incident-correlator", secret)));
            final List<InventoryDiscovery.Guest> guests = InventoryDiscovery.fetchGuests(client);
            assertEquals(List.of(101, 201, 211, 212, 301, 312), guests.stream().map(InventoryDiscovery.Guest::vmid).toList(),
                    "templates are left out");

            final InventoryDiscovery.Result result = InventoryDiscovery.match("prod",
                    List.of("talos-cp-01", "talos-worker-01", "talos-worker-02", "talos-monitor", "bare-metal-01"), guests);
            assertEquals(List.of(
                    new NodePlacement("prod", "talos-cp-01", "ruapehu", 201, null),
                    new NodePlacement("prod", "talos-monitor", "pihanga", 301, null),
                    new NodePlacement("prod", "talos-worker-01", "ruapehu", 211, null)), result.placements());
            assertEquals(List.of("node talos-worker-02: 2 guests could be it: talos-worker-02-old (ruapehu/212), "
                    + "k8s-talos-worker-02 (pihanga/312); say which in the inventory file"), result.ambiguities());
            assertEquals(List.of("bare-metal-01"), result.unmatched());
            pve.verify(getRequestedFor(urlPathEqualTo("/api2/json/cluster/resources"))
                    .withHeader("Authorization", equalTo("PVEAPIToken=collector@pve!incident-correlator=" + secret)));
        } finally {
            pve.stop();
        }
    }

    @Test
    void strongerRulesClaimGuestsFirstAndNothingIsGuessed() {
        final List<InventoryDiscovery.Guest> guests = List.of(
                new InventoryDiscovery.Guest("ruapehu", 201, "talos-cp-01", "qemu"),
                new InventoryDiscovery.Guest("ruapehu", 202, "cp-02", "qemu"));
        // cp-01 would match talos-cp-01 by affix, but the exact match of talos-cp-01 claimed it.
        final InventoryDiscovery.Result r = InventoryDiscovery.match("prod",
                List.of("cp-01", "talos-cp-01", "k8s-cp-02", "cp-02.lan", "talos-cp-02.example.com"), guests);
        assertEquals(List.of(new NodePlacement("prod", "talos-cp-01", "ruapehu", 201, null)), r.placements());
        assertEquals(List.of("node cp-02.lan: guest cp-02 (ruapehu/202) matches nodes cp-02.lan, "
                + "k8s-cp-02 alike; say which in the inventory file",
                "node k8s-cp-02: guest cp-02 (ruapehu/202) matches nodes cp-02.lan, "
                + "k8s-cp-02 alike; say which in the inventory file"), r.ambiguities());
        // "cp-02" is inside, not a prefix or suffix of, talos-cp-02.example.com.
        assertEquals(List.of("cp-01", "talos-cp-02.example.com"), r.unmatched());
    }

    @Test
    void affixesOnlyAtSeparators() {
        assertTrue(InventoryDiscovery.affixed("talos-cp-01", "k8s-talos-cp-01"));
        assertTrue(InventoryDiscovery.affixed("talos-cp-01", "talos-cp-01.lan"));
        assertTrue(InventoryDiscovery.affixed("talos-cp-01.example.com", "TALOS-CP-01"));
        assertFalse(InventoryDiscovery.affixed("cp-01", "cp-011"));
        assertFalse(InventoryDiscovery.affixed("worker-1", "worker-10"));
        assertFalse(InventoryDiscovery.affixed("node", "node"));
    }
}
