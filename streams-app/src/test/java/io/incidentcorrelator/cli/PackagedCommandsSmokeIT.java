package io.incidentcorrelator.cli;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.incidentcorrelator.testsupport.MockKubeconfig;
import io.fabric8.mockwebserver.Context;
import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import io.incidentcorrelator.collectors.testing.RealEtcd;
import io.incidentcorrelator.embedded.EmbeddedKafkaBroker;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.testsupport.CorrelatorProcess;
import io.incidentcorrelator.testsupport.HttpAwait;
import io.incidentcorrelator.testsupport.RestartableBroker;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every command of {@code bin/correlator --help}, and every {@code collect}, {@code sink} and
 * {@code incidents} subcommand, run once from the packaged launcher (its own process, on
 * target/lib, nothing from the test classpath) with the arguments a user gives, against loopback
 * stand-ins: a broker and a registry over HTTP, fabric8's mock API server in CRUD mode, a real
 * etcd, WireMock answering as Proxmox, Prometheus, Alertmanager and a webhook receiver, and the
 * real vzdump hook script. Each asserts the exit code and a line a user would look for. The
 * live part is a small chain: inventory and a pod's OOM kill collected into Kafka, {@code run}
 * turns it into an incident, {@code incidents tail} and both sinks read it.
 */
class PackagedCommandsSmokeIT {

    private static final Path LOGS = CorrelatorProcess.logDir("PackagedCommandsSmokeIT");
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String CLUSTER = "homelab"; // deploy/compose/inventory.yaml's cluster

    @TempDir
    Path work;

    private final Set<String> ran = new TreeSet<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedKafkaBroker broker;
    private EmbeddedSchemaRegistryServer registry;
    private WireMockServer fake;
    private KubernetesMockServer kube;
    private RealEtcd etcd;

    @AfterEach
    void stop() throws Exception {
        CorrelatorProcess.killAll();
        if (etcd != null) {
            etcd.close();
        }
        if (kube != null) {
            kube.destroy();
        }
        if (fake != null) {
            fake.stop();
        }
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** What one command printed and how it ended. */
    record Result(String command, int exit, String output) {
        Result expect(int code, String... lines) {
            assertEquals(code, exit, command + " exit code:\n" + output);
            for (String line : lines) {
                assertTrue(output.contains(line), command + " prints \"" + line + "\":\n" + output);
            }
            assertFalse(output.contains("NoClassDefFoundError") || output.contains("ClassNotFoundException"),
                    command + ": a class missing from target/lib:\n" + output);
            return this;
        }
    }

    @Test
    void everyCommandRunsFromThePackagedLauncher() throws Exception {
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry());
        fake = LoopbackWireMock.start();
        final Map<String, String> cluster = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL", registry.url());
        final Path config = Files.writeString(work.resolve("smoke.properties"),
                "incident-correlator.topic-prefix=smoke.\n");
        final Path inventory = ROOT.resolve("deploy/compose/inventory.yaml");

        correlator("help", Map.of(), "help", "replay").expect(0, "Usage: correlator replay");

        // ---- the live chain: collectors -> Kafka -> run -> incidents -> tail and sinks ----
        final int healthPort = RestartableBroker.freePort();
        final int webPort = RestartableBroker.freePort();
        final CorrelatorProcess run = CorrelatorProcess.startPackaged("run", LOGS, cluster, "run",
                "--config", config.toString(), "--application-id", "smoke-run",
                "--state-dir", work.resolve("state").toString(),
                "--health-port", String.valueOf(healthPort), "--port", String.valueOf(webPort));
        ran.add("run");

        correlator("collect inventory --print", Map.of(), "collect", "inventory", "--file", inventory.toString(),
                "--print", "--once").expect(0, "\"topic\":\"inventory\"", "talos-cp-01");
        correlator("collect inventory", cluster, "collect", "inventory", "--config", config.toString(),
                "--file", inventory.toString(), "--once").expect(0);

        kube = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        kube.init(InetAddress.getLoopbackAddress(), 0);
        final KubernetesClient kubelet = kube.createClient();
        kubelet.pods().inNamespace("media").resource(new PodBuilder()
                .withNewMetadata().withNamespace("media").withName("jellyfin-0").endMetadata()
                .withNewSpec().withNodeName("talos-worker-01").addNewContainer().withName("jellyfin")
                .withImage("jellyfin/jellyfin").endContainer().endSpec()
                .withNewStatus().addToContainerStatuses(new ContainerStatusBuilder().withName("jellyfin")
                        .withRestartCount(0).build()).endStatus()
                .build()).create();
        final Path kubeconfig = MockKubeconfig.write(work.resolve("kubeconfig"), CLUSTER, kube.getPort());
        final Map<String, String> kubeEnv = with(cluster, "KUBECONFIG", kubeconfig.toString());
        final Path ledger = work.resolve("restart-ledger.json");
        // The first run takes the current restart counts as history; the second sends what is new.
        correlator("collect kubernetes (baseline)", kubeEnv, "collect", "kubernetes", "--cluster", CLUSTER,
                "--config", config.toString(), "--ledger", ledger.toString(), "--once", "--no-logs").expect(0);
        final String finishedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        final Pod pod = kubelet.pods().inNamespace("media").withName("jellyfin-0").get();
        pod.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder(pod.getStatus().getContainerStatuses().get(0))
                .withRestartCount(1).withNewLastState().withNewTerminated().withReason("OOMKilled").withExitCode(137)
                .withFinishedAt(finishedAt).endTerminated().endLastState().build()));
        kubelet.pods().inNamespace("media").resource(pod).updateStatus();
        correlator("collect kubernetes", kubeEnv, "collect", "kubernetes", "--cluster", CLUSTER,
                "--config", config.toString(), "--ledger", ledger.toString(), "--once", "--no-logs").expect(0);
        kubelet.close();

        final String incidents = awaitIncident(run, "http://127.0.0.1:" + webPort + "/api/incidents?cluster=" + CLUSTER);
        assertTrue(incidents.contains("jellyfin-0") && incidents.contains("OOM"), incidents);
        assertEquals(200, httpGet("http://127.0.0.1:" + healthPort + "/health/ready").statusCode());

        correlator("incidents tail", cluster, "incidents", "tail", "--config", config.toString(),
                "--from-beginning", "--json").expect(0, "\"cluster\":\"" + CLUSTER + "\"", "jellyfin-0");

        fake.stubFor(post(urlPathEqualTo("/hook")).willReturn(aResponse().withStatus(204)));
        correlator("sink webhook", with(cluster, "SMOKE_WEBHOOK_SECRET", UUID.randomUUID().toString()), "sink", "webhook",
                "--config", config.toString(), "--url", fake.baseUrl() + "/hook",
                "--signature-secret-env", "SMOKE_WEBHOOK_SECRET", "--once", "--from-beginning")
                .expect(0, "record(s) of smoke.incidents handled");
        fake.verify(postRequestedFor(urlPathEqualTo("/hook")).withRequestBody(containing("jellyfin-0")));

        fake.stubFor(get(urlPathEqualTo("/am/api/v2/silences")).willReturn(okJson("[]")));
        fake.stubFor(post(urlPathEqualTo("/am/api/v2/silences")).willReturn(okJson("{\"silenceID\":\"smoke-1\"}")));
        fake.stubFor(get(urlPathEqualTo("/am/api/v2/alerts")).willReturn(okJson("[]")));
        fake.stubFor(post(urlPathEqualTo("/am/api/v2/alerts")).willReturn(aResponse().withStatus(200)));
        correlator("sink alertmanager", cluster, "sink", "alertmanager", "--config", config.toString(),
                "--alertmanager-url", fake.baseUrl() + "/am", "--cluster-label", "cluster", "--once",
                "--from-beginning").expect(0, "live silences made by incident-correlator");
        // The OOM kill is to act on: paged, with the pod that died.
        fake.verify(postRequestedFor(urlPathEqualTo("/am/api/v2/alerts"))
                .withRequestBody(containing("\"alertname\":\"IncidentCorrelated\""))
                .withRequestBody(containing("\"pod\":\"jellyfin-0\"")));

        assertTrue(run.isAlive(), run.logTail(30));
        run.stop();
        assertTrue(Files.readString(run.log()).contains("RUNNING → PENDING_SHUTDOWN"), "a clean stop:\n" + run.logTail(20));
        correlator("reset", cluster, "reset", "--application-id", "smoke-run", "--config", config.toString(),
                "--state-dir", work.resolve("state").toString()).expect(0, "Deleted local state");

        // ---- Proxmox, etcd, the hook ----
        final String secret = UUID.randomUUID().toString();
        final Path secretFile = Files.writeString(work.resolve("pve-token-secret"), secret + "\n");
        stubProxmox();
        final String[] proxmox = {"--proxmox-url", fake.baseUrl(), "--token-id", "collector@pve!correlator",
                "--token-secret-file", secretFile.toString(), "--node", "pve1"};
        correlator("collect proxmox-memory", Map.of(), concat(new String[]{"collect", "proxmox-memory", "--print",
                "--once"}, proxmox)).expect(0, "\"topic\":\"proxmox-memory\"", "pve1");
        correlator("collect proxmox-backup", Map.of(), concat(new String[]{"collect", "proxmox-backup", "--print",
                "--once"}, proxmox)).expect(0, "\"topic\":\"backup-events\"", "JOB_START");

        final int hookPort = RestartableBroker.freePort();
        final CorrelatorProcess hook = CorrelatorProcess.startPackaged("collect proxmox-hook", LOGS, Map.of(),
                "collect", "proxmox-hook", "--print", "--once", "--hook-listen", "127.0.0.1:" + hookPort);
        ran.add("collect proxmox-hook");
        assertTrue(hook.awaitLog(String.valueOf(hookPort), Duration.ofSeconds(30)), hook.logTail(20));
        final Path hookConfig = Files.writeString(work.resolve("correlator-vzdump-hook"),
                "CORRELATOR_HOOK_URL=http://127.0.0.1:" + hookPort + "/vzdump\n"
                        + "CORRELATOR_HOOK_TOKEN_FILE=" + work.resolve("no-token") + "\n");
        final Map<String, String> vzdumpEnv = Map.of("CORRELATOR_HOOK_CONFIG", hookConfig.toString(),
                "STOREID", "pbs-main", "HOSTNAME", "talos-cp-01");
        final Process hookScript = startScript(vzdumpEnv, "backup-start", "snapshot", "201");
        assertEquals(0, hookScript.waitFor(), new String(hookScript.getInputStream().readAllBytes()));
        assertEquals(0, hook.await(30), hook.logTail(20));
        new Result("collect proxmox-hook", 0, Files.readString(hook.log())).expect(0, "\"topic\":\"backup-events\"",
                "BACKUP_START", "201");

        final Optional<Path> etcdBinary = RealEtcd.binary();
        assumeTrue(etcdBinary.isPresent(), RealEtcd.NOT_INSTALLED);
        etcd = RealEtcd.start(etcdBinary.get(), Files.createDirectories(work.resolve("etcd")));
        correlator("collect etcd", Map.of(), "collect", "etcd", "--cluster", CLUSTER, "--endpoint",
                "cp-01=" + etcd.clientUrl(), "--print", "--once").expect(0, "\"topic\":\"etcd-latency\"", CLUSTER);

        // ---- history: backfill -> replay -> diff ----
        stubPrometheus();
        final Path night = work.resolve("night.jsonl");
        correlator("backfill", Map.of(), "backfill", "--since", "2026-02-26T02:00:00Z", "--until", "2026-02-26T04:00:00Z",
                "--out", night.toString(), "--inventory", inventory.toString(),
                "--prometheus-url", fake.baseUrl(), "--prometheus-cluster", CLUSTER, "--prometheus-step", "5m")
                .expect(0, "backfill: " + night);
        assertTrue(Files.readString(night).contains("\"topic\":\"pod-restarts\""), Files.readString(night));
        final Path replayed = work.resolve("night-incidents.jsonl");
        correlator("replay", Map.of(), "replay", "--quiet", "--out", replayed.toString(), night.toString()).expect(0);
        assertTrue(Files.readString(replayed).contains("kube-scheduler-talos-cp-01"), Files.readString(replayed));
        correlator("diff", Map.of(), "diff", replayed.toString(), replayed.toString()).expect(0);
        correlator("advise backups", Map.of(), "advise", "backups", "--quiet", "--scenario", night.toString())
                .expect(0, "JOBS", "PROPOSAL", "ESTIMATE (from the past, not a prediction)");

        correlator("demo", Map.of(), "demo").expect(0, " incidents, ");
        correlator("bench", Map.of(), "bench", "--days", "1", "--skip-latency").expect(0);

        // Nothing listed by --help was left out.
        final Set<String> listed = new TreeSet<>();
        final CommandLine cli = CorrelatorCli.commandLine();
        cli.getSubcommands().forEach((name, sub) -> {
            final Set<String> children = new TreeSet<>(sub.getSubcommands().keySet());
            children.remove("help");
            if (children.isEmpty()) {
                listed.add(name);
            } else {
                children.forEach(c -> listed.add(name + " " + c));
            }
        });
        final Set<String> covered = new TreeSet<>();
        ran.forEach(r -> covered.add(r.replaceAll(" \\(.*\\)$", "").replaceAll(" --print$", "")));
        assertEquals(listed, covered, "every command of `correlator --help` ran once");
    }

    private Result correlator(String name, Map<String, String> env, String... args) throws IOException {
        final CorrelatorProcess p = CorrelatorProcess.startPackaged(name.replace(' ', '-'), LOGS, env, args);
        final int exit = p.await(180);
        ran.add(name);
        return new Result(name, exit, Files.readString(p.log()));
    }

    private Process startScript(Map<String, String> env, String... args) throws IOException {
        final List<String> command = new ArrayList<>(List.of(ROOT.resolve("deploy/proxmox/vzdump-hook.sh").toString()));
        command.addAll(List.of(args));
        final ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        b.environment().clear();
        b.environment().putAll(env);
        return b.start();
    }

    private String awaitIncident(CorrelatorProcess run, String url) {
        return HttpAwait.awaitAnswer(http, URI.create(url), r -> r.statusCode() == 200 && r.body().contains("\"id\""),
                Duration.ofSeconds(90), run::isAlive, () -> run.logTail(30)).body();
    }

    private HttpResponse<String> httpGet(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** pve1 with one guest, and a vzdump job that ran a few minutes ago. */
    private void stubProxmox() {
        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes")).willReturn(okJson("""
                {"data":[{"node":"pve1","status":"online","cpu":0.0421,"maxcpu":16,"mem":60383054848,
                  "maxmem":67425101824,"uptime":1234567,"id":"node/pve1","type":"node","level":""}]}""")));
        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes/pve1/status")).willReturn(okJson("""
                {"data":{"cpu":0.0421,"wait":0.0087,"uptime":1234567,"loadavg":["1.52","1.31","1.20"],
                 "memory":{"total":67425101824,"used":60383054848,"free":7042046976},
                 "swap":{"total":8589930496,"used":0,"free":8589930496},
                 "pveversion":"pve-manager/9.0.3/025864202ebb6109","pressurememorysome":3.25}}""")));
        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes/pve1/qemu")).willReturn(okJson("""
                {"data":[{"vmid":201,"name":"talos-cp-01","status":"running","cpus":4,"maxmem":8589934592,
                          "mem":6120000000,"cpu":0.1234,"uptime":864000}]}""")));
        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes/pve1/qemu/201/status/current")).willReturn(okJson("""
                {"data":{"vmid":201,"name":"talos-cp-01","status":"running","qmpstatus":"running","cpus":4,
                 "cpu":0.1234,"mem":6120000000,"maxmem":8589934592,"balloon":6442450944,
                 "ballooninfo":{"actual":6442450944,"max_mem":8589934592,"free_mem":108434944},
                 "pressurememorysome":12.5,"pressurememoryfull":3.1,"uptime":864000}}""")));
        final long start = Instant.now().minus(Duration.ofMinutes(10)).getEpochSecond();
        final String upid = "UPID:pve1:0000A1B2:0123ABCD:%08X:vzdump::root@pam:".formatted(start);
        fake.stubFor(get(urlPathEqualTo("/api2/json/nodes/pve1/tasks")).willReturn(okJson("""
                {"data":[{"upid":"%s","node":"pve1","pid":41394,"pstart":19114957,"starttime":%d,
                  "type":"vzdump","id":"","user":"root@pam","endtime":%d,"status":"OK"}]}"""
                .formatted(upid, start, start + 300))));
        fake.stubFor(get(urlPathMatching("/api2/json/nodes/pve1/tasks/UPID.*/log")).willReturn(okJson("""
                {"data":[{"n":1,"t":"INFO: starting new backup job: vzdump --all 1 --mode snapshot --storage pbs-main --node pve1"},
                         {"n":2,"t":"INFO: Backup job finished successfully"},{"n":3,"t":"TASK OK"}]}""")));
    }

    /** A scheduler restarting at 02:43 on talos-cp-01, as kube-state-metrics has it. */
    private void stubPrometheus() {
        final String sched = "\"namespace\":\"kube-system\",\"pod\":\"kube-scheduler-talos-cp-01\","
                + "\"container\":\"kube-scheduler\"";
        fake.stubFor(get(urlPathEqualTo("/api/v1/query_range")).atPriority(10)
                .willReturn(okJson("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}")));
        final Map<String, String> series = new LinkedHashMap<>();
        series.put("kube_pod_container_status_restarts_total", "{\"metric\":{" + sched + "},\"values\":"
                + "[[1772072400,\"8\"],[1772072700,\"9\"],[1772073000,\"9\"]]}");
        series.put("kube_pod_container_status_last_terminated_reason", "{\"metric\":{" + sched
                + ",\"reason\":\"Error\"},\"values\":[[1772072700,\"1\"],[1772073000,\"1\"]]}");
        series.put("kube_pod_container_status_last_terminated_exitcode", "{\"metric\":{" + sched + "},\"values\":"
                + "[[1772072700,\"1\"],[1772073000,\"1\"]]}");
        series.put("kube_pod_container_status_last_terminated_timestamp", "{\"metric\":{" + sched + "},\"values\":"
                + "[[1772072700,\"1772072580\"],[1772073000,\"1772072580\"]]}");
        series.put("kube_pod_info", "{\"metric\":{\"namespace\":\"kube-system\",\"pod\":\"kube-scheduler-talos-cp-01\","
                + "\"node\":\"talos-cp-01\"},\"values\":[[1772072400,\"1\"],[1772072700,\"1\"],[1772073000,\"1\"]]}");
        series.forEach((metric, s) -> fake.stubFor(get(urlPathEqualTo("/api/v1/query_range")).atPriority(1)
                .withQueryParam("query", containing(metric))
                .willReturn(okJson("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[" + s + "]}}"))));
    }

    private static Map<String, String> with(Map<String, String> env, String name, String value) {
        final Map<String, String> m = new HashMap<>(env);
        m.put(name, value);
        return m;
    }

    private static String[] concat(String[] a, String[] b) {
        final String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
