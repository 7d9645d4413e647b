package io.incidentcorrelator.collectors.proxmox;

import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.collectors.testing.MutableClock;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.incidentcorrelator.collectors.proxmox.ProxmoxTestSupport.data;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class MemoryPollerTest {

    private static final String NODES = """
            [{"node":"ruapehu","status":"online","cpu":0.0421,"maxcpu":32,"mem":118383054848,"maxmem":134850203648,
              "disk":12884901888,"maxdisk":100861726720,"uptime":1234567,"level":"","id":"node/ruapehu","type":"node",
              "ssl_fingerprint":"3A:1F:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00"},
             {"node":"tongariro","status":"offline","id":"node/tongariro","type":"node"}]""";
    private static final String NODE_STATUS = """
            {"cpu":0.0421,"wait":0.0087,"uptime":1234567,"idle":0,"loadavg":["1.52","1.31","1.20"],
             "memory":{"total":134850203648,"used":118383054848,"free":16467148800},
             "swap":{"total":8589930496,"used":0,"free":8589930496},
             "cpuinfo":{"cpus":32,"sockets":1,"cores":16,"model":"AMD Ryzen 9 5950X 16-Core Processor","mhz":"3400.000","hvm":"1","user_hz":100},
             "kversion":"Linux 6.8.12-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z) x86_64",
             "pveversion":"pve-manager/8.3.2/3e76eec21c4a14a7","ksm":{"shared":0},
             "rootfs":{"total":100861726720,"used":12884901888,"avail":87976824832,"free":87976824832}}""";
    private static final String GUESTS = """
            [{"vmid":201,"name":"talos-cp-01","status":"running","cpus":4,"maxmem":8589934592,"mem":6120000000,"cpu":0.1234,
              "maxdisk":34359738368,"disk":0,"uptime":864000,"netin":123456789,"netout":98765432,"diskread":1,"diskwrite":2,"pid":4242},
             {"vmid":202,"name":"talos-w-01","status":"running","cpus":8,"maxmem":17179869184,"mem":9000000000,"cpu":0.4},
             {"vmid":"203","name":"pbs","status":"running","cpus":2,"maxmem":4294967296,"mem":2147483648,"cpu":0.02},
             {"vmid":900,"name":"debian-12-template","status":"stopped","template":1,"maxmem":2147483648,"mem":0},
             {"vmid":150,"name":"old-build","status":"stopped","maxmem":2147483648,"mem":0}]""";
    private static final String VM201 = """
            {"vmid":201,"name":"talos-cp-01","status":"running","qmpstatus":"running","cpus":4,"cpu":0.1234,
             "mem":6120000000,"maxmem":8589934592,"freemem":108434944,"balloon":6442450944,
             "ballooninfo":{"actual":6442450944,"max_mem":8589934592,"total_mem":6228434944,"free_mem":108434944,
                            "mem_swapped_in":0,"mem_swapped_out":0,"major_page_faults":1123,"minor_page_faults":987654,
                            "last_update":1772073600},
             "pressurememorysome":12.5,"pressurememoryfull":3.1,"pressurecpusome":4.0,"pressurecpufull":0,
             "pressureiosome":20.0,"pressureiofull":10.0,
             "ha":{"managed":0},"agent":1,"running-machine":"pc-i440fx-9.0+pve0","running-qemu":"9.0.2",
             "uptime":864000,"diskread":1,"diskwrite":2,"netin":3,"netout":4,"pid":4242}""";
    private static final String VM203 = """
            {"vmid":"203","name":"pbs","status":"running","qmpstatus":"running","cpus":2,"cpu":"0.02",
             "mem":2147483648,"maxmem":4294967296,"uptime":5000,"ha":{"managed":0}}""";

    private WireMockServer pve;
    private final RecordingWriter sink = new RecordingWriter();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-02-26T02:30:00.123456Z"));

    @BeforeEach
    void start() {
        pve = LoopbackWireMock.start();
    }

    @AfterEach
    void stop() {
        pve.stop();
    }

    @Test
    void hostAndRunningGuestsAreSampled() throws Exception {
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes")).willReturn(okJson(data(NODES))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status")).willReturn(okJson(data(NODE_STATUS))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu")).willReturn(okJson(data(GUESTS))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu/201/status/current")).willReturn(okJson(data(VM201))));
        // 202 stopped between the list and its status call.
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu/202/status/current"))
                .willReturn(aResponse().withStatus(500).withBody("{\"data\":null}")));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu/203/status/current")).willReturn(okJson(data(VM203))));

        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create(pve.baseUrl()), ProxmoxTestSupport.fakeSecret(),
                List.of());
        final MemoryPoller poller = new MemoryPoller(new ProxmoxClient(config), config, sink, clock);

        assertEquals(3, poller.pollOnce());
        assertEquals(List.of("ruapehu", "ruapehu/201", "ruapehu/203"),
                sink.sent().stream().map(s -> s.key()).toList());
        assertEquals("proxmox-memory", sink.sent().get(0).topic());

        final List<MemorySample> samples = sink.values(MemorySample.class);
        final MemorySample host = samples.get(0);
        assertEquals("ruapehu", host.getHost());
        assertNull(host.getVmid());
        assertEquals(118383054848L, host.getMemUsedBytes());
        assertEquals(134850203648L, host.getMemTotalBytes());
        assertEquals(0.0421, host.getCpuUsage());
        assertEquals(0.0087, host.getIoWait());
        assertNull(host.getMemPressureSomeAvg10());
        assertEquals(Instant.parse("2026-02-26T02:30:00.123Z"), host.getTime());

        final MemorySample cp = samples.get(1);
        assertEquals(201, cp.getVmid());
        assertEquals("talos-cp-01", cp.getVmName());
        assertEquals(6120000000L, cp.getMemUsedBytes());
        assertEquals(8589934592L, cp.getMemTotalBytes());
        assertEquals(6442450944L, cp.getBalloonActualBytes());
        assertEquals(8589934592L, cp.getBalloonMaxBytes());
        assertEquals(12.5, cp.getMemPressureSomeAvg10());
        assertEquals(0.1234, cp.getCpuUsage());
        assertNull(cp.getIoWait());

        final MemorySample pbs = samples.get(2);
        assertEquals(203, pbs.getVmid());
        assertEquals("pbs", pbs.getVmName());
        assertNull(pbs.getBalloonActualBytes());
        assertNull(pbs.getBalloonMaxBytes());
        assertEquals(0.02, pbs.getCpuUsage());

        pve.verify(0, getRequestedFor(urlPathMatching("/api2/json/nodes/tongariro/.*")));
        pve.verify(0, getRequestedFor(urlPathMatching("/api2/json/nodes/ruapehu/qemu/(900|150)/.*")));
    }
}
