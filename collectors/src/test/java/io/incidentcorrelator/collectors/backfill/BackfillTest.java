package io.incidentcorrelator.collectors.backfill;

import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.incidentcorrelator.collectors.inventory.InventoryFile;
import io.incidentcorrelator.collectors.proxmox.ApiToken;
import io.incidentcorrelator.collectors.proxmox.ProxmoxConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackfillTest {

    private static final Instant SINCE = Instant.parse("2026-02-26T02:00:00Z");
    private static final Instant UNTIL = Instant.parse("2026-02-26T04:00:00Z");
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-02-27T00:00:00Z"), ZoneOffset.UTC);

    private static final String UPID_A = "UPID:ruapehu:00003E8A:00B1C2D3:699F0060:vzdump:105:root@pam:";
    private static final String UPID_B = "UPID:ruapehu:0000A1B2:0123ABCD:699FADD0:vzdump::root@pam:";
    private static final String TASKS = """
            [{"upid":"%s","node":"ruapehu","pid":41394,"pstart":19114957,"starttime":1772072400,"type":"vzdump",
              "id":"","user":"root@pam","endtime":1772073910,"status":"job errors"},
             {"upid":"%s","node":"ruapehu","pid":16010,"pstart":11649747,"starttime":1772028000,"type":"vzdump",
              "id":"105","user":"root@pam","endtime":1772028400,"status":"OK"}]""".formatted(UPID_B, UPID_A);
    private static final List<String> LOG_B = List.of(
            "INFO: starting new backup job: vzdump --all 1 --mode snapshot --storage pbs-main --node ruapehu",
            "INFO: Starting Backup of VM 201 (qemu)",
            "INFO: Backup started at 2026-02-26 15:20:01",
            "INFO: Finished Backup of VM 201 (00:11:02)",
            "INFO: Backup finished at 2026-02-26 15:31:03",
            "INFO: Starting Backup of VM 203 (qemu)",
            "INFO: Backup started at 2026-02-26 15:31:04",
            "ERROR: Backup of VM 203 failed - job failed with err -5 - Input/output error",
            "INFO: Failed at 2026-02-26 15:45:09",
            "INFO: Backup job finished with errors",
            "TASK ERROR: job errors");
    // /nodes/ruapehu/rrddata?timeframe=day&cf=AVERAGE: 30-minute averages, floats, a gap without data.
    private static final String HOST_RRD = """
            [{"time":1772069400,"cpu":0.04,"iowait":0.001,"memused":100000000000.5,"memtotal":134850203648,"maxcpu":32},
             {"time":1772071200,"cpu":0.0421,"iowait":0.0087,"memused":118383054848.25,"memtotal":134850203648,
              "maxcpu":32,"loadavg":1.52,"netin":12345.6,"netout":6543.2,"swapused":0,"swaptotal":8589930496,
              "roottotal":100861726720,"rootused":12884901888},
             {"time":1772073000},
             {"time":1772074800,"cpu":0.31,"iowait":0.2412,"memused":130000000000,"memtotal":134850203648,"maxcpu":32},
             {"time":1772080200,"cpu":0.02,"iowait":0.001,"memused":90000000000,"memtotal":134850203648,"maxcpu":32}]""";
    private static final String GUESTS = """
            [{"vmid":201,"name":"talos-cp-01","status":"running","maxmem":8589934592,"mem":6442450944,"cpus":4,"uptime":86400},
             {"vmid":"9000","name":"talos-template","status":"stopped","template":1,"maxmem":2147483648,"mem":0}]""";
    private static final String GUEST_RRD = """
            [{"time":1772071200,"cpu":0.08,"mem":6442450944.0,"maxmem":8589934592,"disk":0,"maxdisk":34359738368,
              "netin":1000.1,"netout":2000.2,"diskread":0,"diskwrite":1234.5}]""";

    private WireMockServer pve;
    private WireMockServer prom;
    private String secret;

    @BeforeEach
    void start() {
        pve = LoopbackWireMock.start();
        prom = LoopbackWireMock.start();
        secret = UUID.randomUUID().toString();
    }

    @AfterEach
    void stop() {
        pve.stop();
        prom.stop();
    }


    private static String data(String json) {
        return "{\"data\":" + json + "}";
    }

    private static String matrix(String... series) {
        return "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                + String.join(",", series) + "]}}";
    }

    private void stubProxmox() {
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/tasks")).willReturn(okJson(data(TASKS))));
        final String log = java.util.stream.IntStream.range(0, LOG_B.size())
                .mapToObj(i -> "{\"n\":" + (i + 1) + ",\"t\":\"" + LOG_B.get(i).replace("\"", "\\\"") + "\"}")
                .collect(Collectors.joining(",", "[", "]"));
        pve.stubFor(get(urlPathMatching("/api2/json/nodes/ruapehu/tasks/UPID.*0000A1B2.*/log"))
                .willReturn(okJson(data(log))));
        pve.stubFor(get(urlPathMatching("/api2/json/nodes/ruapehu/tasks/UPID.*00003E8A.*/log"))
                .willReturn(okJson(data("[{\"n\":1,\"t\":\"no content\"}]"))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/rrddata")).willReturn(okJson(data(HOST_RRD))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu")).willReturn(okJson(data(GUESTS))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu/201/rrddata")).willReturn(okJson(data(GUEST_RRD))));
    }

    private void stubPrometheus() {
        final String etcd = "\"instance\":\"10.10.0.31:2381\"";
        stubQuery("etcd_disk_wal_fsync_duration_seconds_bucket", matrix("{\"metric\":{" + etcd + "},\"values\":"
                + "[[1772072400,\"0.0042\"],[1772072700,\"0.0315\"],[1772073000,\"NaN\"]]}"));
        stubQuery("etcd_disk_backend_commit_duration_seconds_bucket", matrix("{\"metric\":{" + etcd + "},\"values\":"
                + "[[1772072400,\"0.012\"],[1772072700,\"0.0874\"],[1772073000,\"NaN\"]]}"));
        stubQuery("etcd_mvcc_db_total_size_in_bytes", matrix("{\"metric\":{" + etcd + "},\"values\":"
                + "[[1772072400,\"104857600\"],[1772072700,\"104857600\"],[1772073000,\"104857600\"]]}"));
        stubQuery("etcd_mvcc_db_total_size_in_use_in_bytes", matrix("{\"metric\":{" + etcd + "},\"values\":"
                + "[[1772072400,\"52428800\"],[1772072700,\"52436992\"],[1772073000,\"52445184\"]]}"));
        stubQuery("etcd_server_is_leader", matrix("{\"metric\":{" + etcd + "},\"values\":"
                + "[[1772072400,\"1\"],[1772072700,\"1\"],[1772073000,\"1\"]]}"));
        stubQuery("etcd_server_slow_apply_total", matrix("{\"metric\":{" + etcd + "},\"values\":"
                + "[[1772072400,\"0\"],[1772072700,\"2.0000000001\"],[1772073000,\"0\"]]}"));
        final String sched = "\"namespace\":\"kube-system\",\"pod\":\"kube-scheduler-talos-cp-01\",\"container\":\"kube-scheduler\"";
        stubQuery("kube_pod_container_status_restarts_total", matrix(
                "{\"metric\":{" + sched + "},\"values\":[[1772072400,\"8\"],[1772072700,\"9\"],[1772073000,\"9\"]]}",
                "{\"metric\":{\"namespace\":\"monitoring\",\"pod\":\"grafana-0\",\"container\":\"grafana\"},"
                        + "\"values\":[[1772072400,\"0\"],[1772072700,\"0\"],[1772073000,\"0\"]]}"));
        stubQuery("kube_pod_container_status_last_terminated_reason", matrix(
                "{\"metric\":{" + sched + ",\"reason\":\"Error\"},\"values\":[[1772072700,\"1\"],[1772073000,\"1\"]]}",
                "{\"metric\":{" + sched + ",\"reason\":\"OOMKilled\"},\"values\":[[1772072700,\"0\"],[1772073000,\"0\"]]}"));
        stubQuery("kube_pod_container_status_last_terminated_exitcode", matrix(
                "{\"metric\":{" + sched + "},\"values\":[[1772072700,\"1\"],[1772073000,\"1\"]]}"));
        stubQuery("kube_pod_container_status_last_terminated_timestamp", matrix(
                "{\"metric\":{" + sched + "},\"values\":[[1772072700,\"1772072580\"],[1772073000,\"1772072580\"]]}"));
        stubQuery("kube_pod_container_status_waiting_reason", matrix());
        stubQuery("kube_pod_info", matrix("{\"metric\":{\"namespace\":\"kube-system\",\"pod\":\"kube-scheduler-talos-cp-01\","
                + "\"node\":\"talos-cp-01\"},\"values\":[[1772072400,\"1\"],[1772072700,\"1\"],[1772073000,\"1\"]]}"));
    }

    private void stubQuery(String metric, String answer) {
        prom.stubFor(get(urlPathEqualTo("/api/v1/query_range")).withQueryParam("query", containing(metric + "{"))
                .willReturn(okJson(answer)));
    }

    private BackfillConfig config() throws Exception {
        final ProxmoxConfig proxmox = ProxmoxConfig.of(URI.create(pve.baseUrl()),
                ApiToken.of("collector@pve!incident-correlator", secret)).withNodes(List.of("ruapehu"));
        final PrometheusSource prometheus = PrometheusSource.of(URI.create(prom.baseUrl()), "prod")
                .withSelector("cluster=\"prod\"").withStep(Duration.ofMinutes(5))
                .withEtcdMembers(Map.of("10.10.0.31:2381", "talos-cp-01"));
        return BackfillConfig.of(SINCE, UNTIL).withProxmox(proxmox).withPrometheus(List.of(prometheus))
                .withInventory(InventoryFile.parse("inventory.yaml", """
                        clusters:
                          prod:
                            nodes:
                              talos-cp-01: {host: ruapehu, vmid: 201, role: control-plane}
                        storage:
                          pbs-main: pihanga
                        """));
    }

    @Test
    void writesOneScenarioInTimeOrderWithTheInventoryFirst() throws Exception {
        stubProxmox();
        stubPrometheus();
        final StringWriter out = new StringWriter();
        final Backfill.Report report = new Backfill(config(), NOW).run(out);
        final List<String> lines = Arrays.stream(out.toString().split("\n")).filter(l -> !l.startsWith("#")).toList();

        assertEquals(List.of(
                "{\"topic\":\"inventory\",\"key\":\"prod/talos-cp-01\",\"value\":{\"cluster\":\"prod\",\"node\":\"talos-cp-01\",\"host\":\"ruapehu\",\"vmid\":201,\"role\":\"control-plane\"}}",
                "{\"topic\":\"storage-locations\",\"key\":\"pbs-main\",\"value\":{\"storage\":\"pbs-main\",\"host\":\"pihanga\"}}",
                "{\"topic\":\"proxmox-memory\",\"key\":\"ruapehu\",\"value\":{\"host\":\"ruapehu\",\"memUsedBytes\":118383054848,\"memTotalBytes\":134850203648,\"cpuUsage\":0.0421,\"ioWait\":0.0087,\"time\":\"2026-02-26T02:00:00Z\"}}",
                "{\"topic\":\"proxmox-memory\",\"key\":\"ruapehu/201\",\"value\":{\"host\":\"ruapehu\",\"vmid\":201,\"vmName\":\"talos-cp-01\",\"memUsedBytes\":6442450944,\"memTotalBytes\":8589934592,\"cpuUsage\":0.08,\"time\":\"2026-02-26T02:00:00Z\"}}",
                "{\"topic\":\"backup-events\",\"key\":\"ruapehu/" + UPID_B + "\",\"value\":{\"host\":\"ruapehu\",\"phase\":\"JOB_START\",\"upid\":\"" + UPID_B + "\",\"storage\":\"pbs-main\",\"time\":\"2026-02-26T02:20:00Z\"}}",
                "{\"topic\":\"etcd-latency\",\"key\":\"prod/talos-cp-01\",\"value\":{\"cluster\":\"prod\",\"member\":\"talos-cp-01\",\"walFsyncP99Ms\":4.2,\"backendCommitP99Ms\":12.0,\"slowApplies\":0,\"dbSizeBytes\":104857600,\"dbSizeInUseBytes\":52428800,\"leader\":true,\"time\":\"2026-02-26T02:20:00Z\"}}",
                "{\"topic\":\"backup-events\",\"key\":\"ruapehu/" + UPID_B + "\",\"value\":{\"host\":\"ruapehu\",\"phase\":\"BACKUP_START\",\"vmid\":201,\"upid\":\"" + UPID_B + "\",\"storage\":\"pbs-main\",\"time\":\"2026-02-26T02:20:01Z\"}}",
                "{\"topic\":\"pod-restarts\",\"key\":\"prod/kube-system/kube-scheduler-talos-cp-01/kube-scheduler\",\"value\":{\"cluster\":\"prod\",\"namespace\":\"kube-system\",\"pod\":\"kube-scheduler-talos-cp-01\",\"container\":\"kube-scheduler\",\"node\":\"talos-cp-01\",\"restartCount\":9,\"terminatedReason\":\"Error\",\"exitCode\":1,\"finishedAt\":\"2026-02-26T02:23:00Z\"}}",
                "{\"topic\":\"etcd-latency\",\"key\":\"prod/talos-cp-01\",\"value\":{\"cluster\":\"prod\",\"member\":\"talos-cp-01\",\"walFsyncP99Ms\":31.5,\"backendCommitP99Ms\":87.4,\"slowApplies\":2,\"dbSizeBytes\":104857600,\"dbSizeInUseBytes\":52436992,\"leader\":true,\"time\":\"2026-02-26T02:25:00Z\"}}",
                "{\"topic\":\"etcd-latency\",\"key\":\"prod/talos-cp-01\",\"value\":{\"cluster\":\"prod\",\"member\":\"talos-cp-01\",\"walFsyncP99Ms\":0.0,\"slowApplies\":0,\"dbSizeBytes\":104857600,\"dbSizeInUseBytes\":52445184,\"leader\":true,\"time\":\"2026-02-26T02:30:00Z\"}}",
                "{\"topic\":\"backup-events\",\"key\":\"ruapehu/" + UPID_B + "\",\"value\":{\"host\":\"ruapehu\",\"phase\":\"BACKUP_END\",\"vmid\":201,\"upid\":\"" + UPID_B + "\",\"storage\":\"pbs-main\",\"status\":\"ok\",\"time\":\"2026-02-26T02:31:03Z\"}}",
                "{\"topic\":\"backup-events\",\"key\":\"ruapehu/" + UPID_B + "\",\"value\":{\"host\":\"ruapehu\",\"phase\":\"BACKUP_START\",\"vmid\":203,\"upid\":\"" + UPID_B + "\",\"storage\":\"pbs-main\",\"time\":\"2026-02-26T02:31:04Z\"}}",
                "{\"topic\":\"backup-events\",\"key\":\"ruapehu/" + UPID_B + "\",\"value\":{\"host\":\"ruapehu\",\"phase\":\"BACKUP_ABORT\",\"vmid\":203,\"upid\":\"" + UPID_B + "\",\"storage\":\"pbs-main\",\"status\":\"job failed with err -5 - Input/output error\",\"time\":\"2026-02-26T02:45:09Z\"}}",
                "{\"topic\":\"backup-events\",\"key\":\"ruapehu/" + UPID_B + "\",\"value\":{\"host\":\"ruapehu\",\"phase\":\"JOB_ABORT\",\"upid\":\"" + UPID_B + "\",\"storage\":\"pbs-main\",\"status\":\"job errors\",\"time\":\"2026-02-26T02:45:10Z\"}}",
                "{\"topic\":\"proxmox-memory\",\"key\":\"ruapehu\",\"value\":{\"host\":\"ruapehu\",\"memUsedBytes\":130000000000,\"memTotalBytes\":134850203648,\"cpuUsage\":0.31,\"ioWait\":0.2412,\"time\":\"2026-02-26T03:00:00Z\"}}"),
                lines);
        assertEquals(Map.of("backup-events", 6, "etcd-latency", 3, "inventory", 1, "pod-restarts", 1,
                "proxmox-memory", 3, "storage-locations", 1), report.lines());
        assertTrue(report.failures().isEmpty(), report.failures().toString());
        assertTrue(out.toString().startsWith("# incident-correlator backfill 2026-02-26T02:00:00Z .. 2026-02-26T04:00:00Z"));

        pve.verify(getRequestedFor(urlPathEqualTo("/api2/json/nodes/ruapehu/tasks"))
                .withQueryParam("typefilter", equalTo("vzdump")).withQueryParam("source", equalTo("all"))
                .withQueryParam("since", equalTo(Long.toString(SINCE.minus(Duration.ofDays(1)).getEpochSecond())))
                .withQueryParam("until", equalTo(Long.toString(UNTIL.getEpochSecond()))));
        pve.verify(getRequestedFor(urlPathEqualTo("/api2/json/nodes/ruapehu/rrddata"))
                .withQueryParam("timeframe", equalTo("day")).withQueryParam("cf", equalTo("AVERAGE")));
        prom.verify(getRequestedFor(urlPathEqualTo("/api/v1/query_range"))
                .withQueryParam("query", equalTo("histogram_quantile(0.99, sum by (instance, le) (rate("
                        + "etcd_disk_wal_fsync_duration_seconds_bucket{cluster=\"prod\"}[300s])))"))
                .withQueryParam("start", equalTo(Long.toString(SINCE.getEpochSecond())))
                .withQueryParam("end", equalTo(Long.toString(UNTIL.getEpochSecond())))
                .withQueryParam("step", equalTo("300")));
    }

    @Test
    void unconfiguredSourcesAreNotedAndFailingOnesReported() throws Exception {
        prom.stubFor(get(urlPathEqualTo("/api/v1/query_range")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 12\"}")));
        final BackfillConfig config = BackfillConfig.of(SINCE, UNTIL)
                .withPrometheus(List.of(PrometheusSource.of(URI.create(prom.baseUrl()), "prod")));
        final StringWriter out = new StringWriter();
        final Backfill.Report report = new Backfill(config, NOW).run(out);
        assertEquals(List.of("inventory: not configured; the scenario places no node on a Proxmox host",
                "proxmox: not configured; no backup events or memory samples"), report.notes());
        assertEquals(2, report.failures().size());
        assertTrue(report.failures().get(0).startsWith("etcd (prod): Prometheus "), report.failures().get(0));
        assertTrue(report.failures().get(0).contains("HTTP 400 bad_data parse error at char 12"));
        assertTrue(report.lines().isEmpty());
        assertTrue(out.toString().contains("# failed: restarts (prod)"));
        assertFalse(Arrays.stream(out.toString().split("\n")).anyMatch(l -> !l.startsWith("#")));
    }
}
