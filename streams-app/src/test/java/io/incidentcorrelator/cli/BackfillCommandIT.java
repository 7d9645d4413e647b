package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.incidentcorrelator.cli.CollectCommandTest.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.incidentcorrelator.cli.CollectCommandTest.correlator;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code correlator backfill} against Proxmox- and Prometheus-shaped WireMock stubs, then
 * {@code correlator replay} on the file it wrote: the backfill is a replayable scenario.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackfillCommandIT {

    private static final String UPID = "UPID:ruapehu:0000A1B2:0123ABCD:699FADD0:vzdump::root@pam:";
    private static final List<String> TASK_LOG = List.of(
            "INFO: starting new backup job: vzdump --all 1 --mode snapshot --storage pbs-main --node ruapehu",
            "INFO: Starting Backup of VM 201 (qemu)",
            "INFO: Backup started at 2026-02-26 02:20:01",
            "INFO: Finished Backup of VM 201 (00:11:02)",
            "INFO: Backup finished at 2026-02-26 02:31:03",
            "INFO: Backup job finished successfully",
            "TASK OK");

    private WireMockServer pve;
    private WireMockServer prom;

    @BeforeEach
    void start() {
        pve = LoopbackWireMock.start();
        prom = LoopbackWireMock.start();
    }

    @AfterEach
    void stop() {
        pve.stop();
        prom.stop();
    }


    private void stubProxmox() {
        // A nightly job on ruapehu, 02:20 to 02:45 UTC (epoch seconds, as the API answers).
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/tasks")).willReturn(okJson("""
                {"data":[{"upid":"%s","node":"ruapehu","pid":41394,"pstart":19114957,"starttime":1772072400,
                  "type":"vzdump","id":"","user":"root@pam","endtime":1772073900,"status":"OK"}]}""".formatted(UPID))));
        final String log = IntStream.range(0, TASK_LOG.size())
                .mapToObj(i -> "{\"n\":" + (i + 1) + ",\"t\":\"" + TASK_LOG.get(i) + "\"}")
                .collect(Collectors.joining(",", "{\"data\":[", "]}"));
        pve.stubFor(get(urlPathMatching("/api2/json/nodes/ruapehu/tasks/UPID.*/log")).willReturn(okJson(log)));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/rrddata")).willReturn(okJson("""
                {"data":[{"time":1772071200,"cpu":0.0421,"iowait":0.0087,"memused":118383054848.25,
                          "memtotal":134850203648,"maxcpu":32},
                         {"time":1772073000,"cpu":0.31,"iowait":0.2412,"memused":130000000000,
                          "memtotal":134850203648,"maxcpu":32}]}""")));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu")).willReturn(okJson("{\"data\":[]}")));
    }

    private void stubPrometheus() {
        final String sched = "\"namespace\":\"kube-system\",\"pod\":\"kube-scheduler-talos-cp-01\","
                + "\"container\":\"kube-scheduler\"";
        stubQuery("kube_pod_container_status_restarts_total", "{\"metric\":{" + sched + "},\"values\":"
                + "[[1772072400,\"8\"],[1772072700,\"9\"],[1772073000,\"9\"]]}");
        stubQuery("kube_pod_container_status_last_terminated_reason", "{\"metric\":{" + sched
                + ",\"reason\":\"Error\"},\"values\":[[1772072700,\"1\"],[1772073000,\"1\"]]}");
        stubQuery("kube_pod_container_status_last_terminated_exitcode", "{\"metric\":{" + sched + "},\"values\":"
                + "[[1772072700,\"1\"],[1772073000,\"1\"]]}");
        stubQuery("kube_pod_container_status_last_terminated_timestamp", "{\"metric\":{" + sched + "},\"values\":"
                + "[[1772072700,\"1772072580\"],[1772073000,\"1772072580\"]]}");
        stubQuery("kube_pod_info", "{\"metric\":{\"namespace\":\"kube-system\",\"pod\":\"kube-scheduler-talos-cp-01\","
                + "\"node\":\"talos-cp-01\"},\"values\":[[1772072400,\"1\"],[1772072700,\"1\"],[1772073000,\"1\"]]}");
        // No etcd series in this Prometheus: an empty matrix, not an error.
        prom.stubFor(get(urlPathEqualTo("/api/v1/query_range")).atPriority(10)
                .willReturn(okJson("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}")));
    }

    private void stubQuery(String metric, String series) {
        prom.stubFor(get(urlPathEqualTo("/api/v1/query_range")).atPriority(1)
                .withQueryParam("query", containing(metric + "{"))
                .willReturn(okJson("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                        + series + "]}}")));
    }

    private String[] backfill(Path dir, Path out) throws Exception {
        final Path secret = Files.writeString(dir.resolve("token-secret"), UUID.randomUUID().toString());
        final Path inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                clusters:
                  prod:
                    nodes:
                      talos-cp-01: {host: ruapehu, vmid: 201, role: control-plane}
                storage:
                  pbs-main: ruapehu
                """);
        return new String[]{"backfill", "--since", "2026-02-26T02:00:00Z", "--until", "2026-02-26T04:00:00Z",
                "--out", out.toString(), "--inventory", inventory.toString(),
                "--proxmox-url", pve.baseUrl(), "--token-id", "collector@pve!correlator",
                "--token-secret-file", secret.toString(), "--node", "ruapehu",
                "--prometheus-url", prom.baseUrl(), "--prometheus-cluster", "prod", "--prometheus-step", "5m",
                "--prometheus-selector", "cluster=\"prod\""};
    }

    @Test
    void theBackfilledNightReplaysIntoAnIncident(@TempDir Path dir) throws Exception {
        stubProxmox();
        stubPrometheus();
        final Path scenario = dir.resolve("night.jsonl");

        final Run backfill = correlator(backfill(dir, scenario));
        assertEquals(0, backfill.exitCode(), backfill.stderr());
        final String written = Files.readString(scenario);
        assertTrue(written.contains("\"topic\":\"pod-restarts\"") && written.contains("\"phase\":\"JOB_START\"")
                && written.contains("\"topic\":\"inventory\""), written);
        assertTrue(backfill.stderr().contains("backfill: " + scenario + ": "), backfill.stderr());

        final Path incidents = dir.resolve("incidents.jsonl");
        final Run replay = correlator("replay", "--quiet", "--out", incidents.toString(), scenario.toString());
        assertEquals(0, replay.exitCode(), replay.stderr());
        final String out = Files.readString(incidents);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.contains("\"category\":\"BACKUP_IO_CONTENTION\"") && out.contains("kube-scheduler-talos-cp-01"),
                out);
    }

    @Test
    void aFailingSourceStillWritesTheRestAndExitsOne(@TempDir Path dir) throws Exception {
        stubProxmox();
        prom.stubFor(get(urlPathEqualTo("/api/v1/query_range")).willReturn(serverError()));
        final Path scenario = dir.resolve("night.jsonl");

        final Run backfill = correlator(backfill(dir, scenario));

        assertEquals(1, backfill.exitCode(), backfill.stderr());
        assertTrue(backfill.stderr().contains("backfill: FAILED: "), backfill.stderr());
        final String written = Files.readString(scenario);
        assertTrue(written.contains("\"phase\":\"JOB_END\""), written);
        assertFalse(written.contains("\"topic\":\"pod-restarts\""), written);
    }
}
