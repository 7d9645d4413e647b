package io.incidentcorrelator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.incidentcorrelator.collectors.kubernetes.MockKube;
import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import io.incidentcorrelator.collectors.testing.RealEtcd;
import io.incidentcorrelator.testsupport.CorrelatorProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The product as a homelab runs it, every part its own OS process started through
 * {@code bin/correlator} on the packaged jar and {@code target/lib}: the correlator ({@code run
 * --embedded --data-dir}, the persistent box, with the web view), the collectors (inventory YAML, Kubernetes through a kubeconfig file,
 * Proxmox backups and memory, the vzdump hook endpoint fed by the shipped hook script, etcd) and
 * the Alertmanager sink. This JVM only hosts what a homelab would have around them: a Kubernetes
 * API (fabric8's mock server, CRUD mode), a Proxmox node, a real etcd, Alertmanager. Everything on
 * loopback.
 *
 * <p>The night it plays, with wall-clock times: a vzdump job starts on {@code pve1} (task list, task
 * log, memory climbing), another is reported by the hook from the node this test runs on, and a
 * pod on each host's Kubernetes node crash-loops. It asserts what an operator sees: one
 * BACKUP_IO_CONTENTION incident for both pods naming both backups, through {@code incidents tail
 * --json} and the web API, and the silence posted. Then {@code run} (broker and registry with it)
 * is SIGKILLed and started again on the same data dir: nothing is lost and nothing is emitted
 * again; the next restart extends the same incident.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class HomelabSystemIT {

    private static final String CLUSTER = "homelab";
    private static final String APPLICATION_ID = "homelab-correlator";
    private static final String JOB_PVE1 = "backup-5e3f8a2c-91d4";
    private static final String JOB_HOOK = "backup-7a01c6d9-2b8e";
    private static final String STORAGE = "pbs-main";
    private static final String PBS_HOST = "pve2";
    private static final String CP_POD = "kube-controller-manager-talos-cp-01";
    private static final String WORKER_POD = "prometheus-k8s-0";
    private static final Path HOOK_SCRIPT = Path.of("..", "deploy", "proxmox", "vzdump-hook.sh").toAbsolutePath()
            .normalize();
    private static final Duration STEP = Duration.ofSeconds(120);

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Path logs = CorrelatorProcess.logDir("HomelabSystemIT");
    private final List<AutoCloseable> fakes = new ArrayList<>();
    private final long started = System.nanoTime();

    @TempDir
    Path dir;

    private Box box;
    private CorrelatorProcess run;
    private int webPort;
    private int healthPort;

    @AfterEach
    void tearDown() throws Exception {
        CorrelatorProcess.killAll();
        for (int i = fakes.size() - 1; i >= 0; i--) {
            fakes.get(i).close();
        }
    }

    @Test
    void aNightOfBackupsAsTheShippedProcessesSeeItSurvivesAKill() throws Exception {
        cleanLogs();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")) || Files.isExecutable(Path.of("/bin/curl")),
                "curl not installed: deploy/proxmox/vzdump-hook.sh posts with it");
        final String hookNode = hookNodeName();
        final Surroundings around = surroundings(hookNode);
        final MockKube kube = around.kube();
        final FakeProxmox pve = around.pve();
        final String pveSecret = around.pveSecret();
        final WireMockServer alertmanager = around.alertmanager();
        final RealEtcd etcd = around.etcd();
        final Path inventory = around.inventory();
        final Path kubeconfig = around.kubeconfig();
        final Path pveTokenFile = around.pveTokenFile();
        final Path hookTokenFile = around.hookTokenFile();
        final int[] ports = freePorts(5);
        final int hookPort = ports[0];

        // ---- the correlator ----
        webPort = ports[1];
        healthPort = ports[2];
        box = new Box(dir.resolve("box"), ports[3], ports[4]);
        startRun("run-1");

        // ---- the collectors and the sink, each its own process ----
        collector("collect-inventory", Map.of(), "collect", "inventory", "--file", inventory.toString(),
                "--interval", "5m");
        final CorrelatorProcess kubeCollector = collector("collect-kubernetes", Map.of("KUBECONFIG", kubeconfig.toString()),
                "collect", "kubernetes", "--cluster", CLUSTER, "--ledger", dir.resolve("restart-ledger.json").toString());
        collector("collect-proxmox-backup", Map.of(), "collect", "proxmox-backup", "--proxmox-url", pve.url(),
                "--token-id", FakeProxmox.TOKEN_ID, "--token-secret-file", pveTokenFile.toString(),
                "--interval", "1s", "--lookback", "1h");
        collector("collect-proxmox-memory", Map.of("INCIDENT_CORRELATOR_PROXMOX_TOKEN_SECRET", pveSecret),
                "collect", "proxmox-memory", "--proxmox-url", pve.url(), "--token-id", FakeProxmox.TOKEN_ID,
                "--interval", "1s");
        final CorrelatorProcess hookCollector = collector("collect-proxmox-hook", Map.of(), "collect", "proxmox-hook",
                "--hook-listen", "127.0.0.1:" + hookPort, "--hook-token-file", hookTokenFile.toString(),
                "--inventory", inventory.toString());
        if (etcd != null) {
            collector("collect-etcd", Map.of(), "collect", "etcd", "--endpoint", etcd.clientUrl(), "--cluster", CLUSTER,
                    "--interval", "2s");
        }
        collector("sink-alertmanager", Map.of(), "sink", "alertmanager", "--alertmanager-url", alertmanager.baseUrl(),
                "--cluster-label", "cluster", "--group-id", "homelab-alertmanager");

        await("the Kubernetes collector watches the pods", () -> kubeCollector.logContains("watching"),
                kubeCollector);
        await("the hook endpoint listens", () -> hookCollector.logContains("listening"), hookCollector);
        await("the inventory on its topic", () -> keys("inventory").contains(CLUSTER + "/talos-worker-01"), null);

        final String id = aNight(around, hookNode, hookPort);

        if (etcd != null) {
            await("etcd samples on their topic", () -> keys("etcd-latency").contains(CLUSTER + "/127.0.0.1"), null);
        }

        // ---- SIGKILL, and the same data dir again ----
        awaitCaughtUp("the correlator caught up with its inputs");
        final List<String> revisionsBefore = tailLines();
        final long testStarted = System.currentTimeMillis() - TimeUnit.MINUTES.toMillis(10);
        final List<Long> stamps = incidentTimestamps();
        assertTrue(stamps.stream().allMatch(t -> t >= testStarted),
                "every revision is stamped with the night's time, as kcat shows it: " + stamps);
        final Map<String, Map<String, Long>> inputsBefore = inputKeyCounts();
        final int postsBefore = silencePosts(alertmanager).size();
        run.kill();
        startRun("run-2");
        // The restarted correlator catches up with what the collectors sent meanwhile (memory,
        // etcd and task-log samples every second) and has nothing to say about it.
        awaitCaughtUp("the restarted correlator caught up with its inputs");
        assertEquals(revisionsBefore, tailLines(), "after the restart the incidents topic is as it was");
        assertEquals(List.of(id), webIncidents().stream().map(i -> i.path("id").asText()).toList());
        assertEquals(json.readTree(revisionsBefore.get(revisionsBefore.size() - 1)), webIncident(id),
                "the restarted web view answers from the restored state");
        assertEquals(postsBefore, silencePosts(alertmanager).size(), "no silence posted again");
        final Map<String, Map<String, Long>> inputsAfter = inputKeyCounts();
        inputsBefore.forEach((topic, counts) -> counts.forEach((key, n) -> assertTrue(
                inputsAfter.get(topic).getOrDefault(key, 0L) >= n, topic + " lost records of " + key)));

        // ---- the next restart extends the same incident ----
        kube.restart("kube-system", CP_POD, "kube-controller-manager", 2, "Error", 1, now(), "leaderelection lost");
        final JsonNode extended = awaitIncident(i -> pod(i, CP_POD).path("restarts").asInt() == 2);
        assertEquals(id, extended.path("id").asText(), "the same incident, from the state kept across the kill");
        final List<JsonNode> all = tail();
        final Set<String> revisions = new HashSet<>();
        for (JsonNode r : all) {
            assertEquals(id, r.path("id").asText(), "no new incident: " + all);
            assertTrue(revisions.add(r.path("revision").asText()), "revision emitted twice: " + all);
        }
        System.out.printf("HomelabSystemIT: incident %s, %d revisions; the kill and restart lost nothing%n", id,
                all.size());
    }

    /**
     * The docs' default way on one box: one {@code run --embedded --data-dir --config homelab.yaml}
     * process, the collectors and the sink in it, each still writing to and reading from its topics
     * on the box's broker; the same night gives the same incident and silence, and the collectors'
     * sources are in run's {@code /metrics}. The vzdump hook script posts to the endpoint in run.
     */
    @Test
    void aNightOfBackupsSeenByOneProcessFromTheHomelabFile() throws Exception {
        logs = CorrelatorProcess.logDir("HomelabSystemIT-homelab-yaml");
        cleanLogs();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")) || Files.isExecutable(Path.of("/bin/curl")),
                "curl not installed: deploy/proxmox/vzdump-hook.sh posts with it");
        final String hookNode = hookNodeName();
        final Surroundings around = surroundings(hookNode);
        final int[] ports = freePorts(5);
        final int hookPort = ports[0];
        webPort = ports[1];
        healthPort = ports[2];
        box = new Box(dir.resolve("box"), ports[3], ports[4]);
        // As an operator writes it: relative paths next to the file, secrets only in files.
        final Path homelab = Files.writeString(dir.resolve("homelab.yaml"), """
                box:
                  data-dir: box
                  broker-listen: %s
                  registry-listen: 127.0.0.1:%d
                  web-listen: 127.0.0.1:%d
                  health-listen: 127.0.0.1:%d
                proxmox:
                  url: %s
                  token-id: %s
                  token-file: %s
                  backup-tasks: {interval: 1s, lookback: 1h}
                  memory: {interval: 1s}
                  hook: {listen: 127.0.0.1:%d, token-file: %s}
                kubernetes:
                  kubeconfig: %s
                  clusters:
                    %s: {context: admin@%s, ledger: restart-ledger.json}
                inventory:
                  file: %s
                sinks:
                  alertmanager: {url: %s, cluster-label: cluster}
                """.formatted(box.bootstrap(), box.registryPort(), webPort, healthPort, around.pve().url(),
                FakeProxmox.TOKEN_ID, around.pveTokenFile().getFileName(), hookPort,
                around.hookTokenFile().getFileName(), around.kubeconfig().getFileName(), CLUSTER, CLUSTER,
                around.inventory().getFileName(), around.alertmanager().baseUrl())
                + (around.etcd() == null ? "" : """
                etcd:
                  clusters:
                    %s: {endpoints: [%s], interval: 2s}
                """.formatted(CLUSTER, around.etcd().clientUrl())));

        startRun("run-homelab", List.of("run", "--embedded", "--config", homelab.toString(), "--application-id",
                APPLICATION_ID));
        await("run names what it runs beside the box", () -> run.logContains("collectors and sinks of " + homelab
                + ": collect proxmox-backup, collect proxmox-memory, collect proxmox-hook, collect kubernetes "
                + CLUSTER), run);
        await("the Kubernetes collector in run watches the pods", () -> run.logContains("kubernetes " + CLUSTER
                + ": watching"), run);
        await("the hook endpoint in run listens", () -> run.logContains("vzdump hook endpoint listening on http://"
                + "127.0.0.1:" + hookPort), run);
        await("the inventory on its topic", () -> keys("inventory").contains(CLUSTER + "/talos-worker-01"), null);

        final String id = aNight(around, hookNode, hookPort);
        if (around.etcd() != null) {
            await("etcd samples on their topic", () -> keys("etcd-latency").contains(CLUSTER + "/127.0.0.1"), null);
        }
        final String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort
                + "/metrics")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("correlator_collector_source_up{collector=\"run\",source=\"kubernetes " + CLUSTER),
                metrics);
        assertTrue(metrics.contains("correlator_collector_source_up{collector=\"run\",source=\"sink alertmanager\"} 1"),
                metrics);
        assertTrue(metrics.contains("incident_correlator_not_ready{reason=\"collect_proxmox_backup\"} 0"), metrics);

        // A clean stop stops the collectors and the sink before the box, and flushes what they sent.
        run.stop();
        assertTrue(run.logContains("homelab: collectors and sinks stopped, every record delivered"), run.logTail(30));
        System.out.printf("HomelabSystemIT: one process from %s: incident %s and its silence%n", homelab, id);
    }

    /** What surrounds the correlator in a homelab, and the files an operator writes for it. */
    private record Surroundings(MockKube kube, FakeProxmox pve, String pveSecret, WireMockServer alertmanager,
                                RealEtcd etcd, Path inventory, Path kubeconfig, Path pveTokenFile, Path hookTokenFile) {
    }

    private Surroundings surroundings(String hookNode) throws Exception {
        // ---- what surrounds the correlator in a homelab ----
        final MockKube kube = closing(new MockKube());
        kube.createPod("kube-system", CP_POD, "talos-cp-01", List.of(), List.of("kube-controller-manager"));
        kube.createPod("monitoring", WORKER_POD, "talos-worker-01", List.of("init-config-reloader"),
                List.of("prometheus", "config-reloader"));
        final String pveSecret = UUID.randomUUID().toString();
        final FakeProxmox pve = closing(new FakeProxmox("pve1", 201, "talos-cp-01", ZoneId.of("Pacific/Auckland"),
                pveSecret));
        final WireMockServer alertmanager = LoopbackWireMock.start();
        fakes.add(alertmanager::stop);
        alertmanager.stubFor(get(urlEqualTo("/api/v2/silences")).willReturn(okJson("[]")));
        alertmanager.stubFor(post(urlEqualTo("/api/v2/silences"))
                .willReturn(okJson("{\"silenceID\":\"" + UUID.randomUUID() + "\"}")));
        alertmanager.stubFor(delete(urlPathMatching("/api/v2/silence/.*"))
                .willReturn(aResponse().withStatus(200)));
        alertmanager.stubFor(get(urlPathMatching("/api/v2/alerts")).willReturn(okJson("[]")));
        alertmanager.stubFor(post(urlEqualTo("/api/v2/alerts")).willReturn(aResponse().withStatus(200)));
        final Optional<Path> etcdBinary = RealEtcd.binary();
        RealEtcd etcd = null;
        if (etcdBinary.isPresent()) {
            etcd = RealEtcd.start(etcdBinary.get(), Files.createDirectories(dir.resolve("etcd")));
            fakes.add(etcd);
        } else {
            System.out.println("HomelabSystemIT: collect etcd is not part of this run: " + RealEtcd.NOT_INSTALLED);
        }

        // ---- configuration files, as an operator writes them ----
        final Path inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                clusters:
                  %s:
                    nodes:
                      talos-cp-01: {host: pve1, vmid: 201, role: control-plane}
                      talos-worker-01: {host: %s, vmid: 211, role: worker}
                storage:
                  %s: %s
                """.formatted(CLUSTER, hookNode, STORAGE, PBS_HOST));
        final Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: %1$s
                  cluster:
                    server: %2$s
                contexts:
                - name: admin@%1$s
                  context:
                    cluster: %1$s
                    namespace: default
                    user: admin@%1$s
                current-context: admin@%1$s
                users:
                - name: admin@%1$s
                  user: {}
                """.formatted(CLUSTER, kube.apiUrl()));
        final Path pveTokenFile = Files.writeString(dir.resolve("pve-token"), pveSecret + "\n");
        final Path hookTokenFile = Files.writeString(dir.resolve("hook-token"), UUID.randomUUID() + "\n");
        return new Surroundings(kube, pve, pveSecret, alertmanager, etcd, inventory, kubeconfig, pveTokenFile,
                hookTokenFile);
    }

    /**
     * The night, played against the surroundings while the collectors run (in their own processes or
     * in {@code run}'s): two backups start, memory climbs, two pods crash-loop. Asserts what an
     * operator sees, the incident through the web API and {@code incidents tail --json}, and the
     * silence posted; returns the incident's id.
     */
    private String aNight(Surroundings around, String hookNode, int hookPort) throws Exception {
        final MockKube kube = around.kube();
        final FakeProxmox pve = around.pve();
        final WireMockServer alertmanager = around.alertmanager();
        final Path hookTokenFile = around.hookTokenFile();
        // ---- the night: two backups start, memory climbs, two pods crash-loop ----
        final String upid = pve.startBackup(JOB_PVE1, STORAGE);
        final Path hookConfig = hookConfig(hookPort, hookTokenFile);
        hook(hookConfig, "job-init", Map.of("STOREID", STORAGE));
        hook(hookConfig, "job-start", Map.of("STOREID", STORAGE));
        hook(hookConfig, "backup-start snapshot 211", Map.of("STOREID", STORAGE, "HOSTNAME", "talos-worker-01",
                "VMTYPE", "qemu"));
        await("both backups on the backup-events topic", () -> {
            final List<String> keys = keys("backup-events");
            return keys.contains("pve1/" + upid) && keys.stream().anyMatch(k -> k.startsWith(hookNode + "/"));
        }, null);
        await("the node's memory nearly full", () -> pve.memoryPercent() >= 95, null);
        Thread.sleep(2_000); // two more memory samples at the top

        kube.setLog("kube-system", CP_POD, "kube-controller-manager", 200, """
                E1207 %1$s leaderelection.go:429] Failed to update lock optimitically: Put "https://127.0.0.1:7445/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager?timeout=5s": context deadline exceeded
                E1207 %1$s leaderelection.go:436] error retrieving resource lock kube-system/kube-controller-manager: client rate limiter Wait returned an error: context deadline exceeded
                I1207 %1$s leaderelection.go:297] failed to renew lease kube-system/kube-controller-manager: timed out waiting for the condition
                E1207 %1$s controllermanager.go:340] "leaderelection lost"
                """.formatted(LocalTime.now(ZoneId.of("UTC")).truncatedTo(ChronoUnit.MILLIS)));
        kube.setLog("monitoring", WORKER_POD, "prometheus", 200, """
                ts=%1$s caller=main.go:1171 level=error msg="Error on ingesting samples" err="context deadline exceeded"
                ts=%1$s caller=notifier.go:530 level=error component=notifier msg="Error sending alert" err="Post \\"https://127.0.0.1:7445/api/v2/alerts\\": i/o timeout"
                ts=%1$s caller=main.go:1058 level=warn msg="Received SIGTERM, exiting gracefully... liveness probe failed"
                """.formatted(Instant.now().truncatedTo(ChronoUnit.MILLIS)));
        kube.restart("kube-system", CP_POD, "kube-controller-manager", 1, "Error", 1, now(), "leaderelection lost");
        kube.restart("monitoring", WORKER_POD, "prometheus", 1, "Error", 1, now(), null);

        // ---- what the operator sees ----
        final JsonNode incident = awaitIncident(i -> podNames(i).containsAll(List.of(CP_POD, WORKER_POD))
                && text(i, "contributingFactors").contains("HOST_MEMORY_PRESSURE"));
        assertEquals("BACKUP_IO_CONTENTION", incident.path("category").asText(), incident.toPrettyString());
        assertEquals(CLUSTER, incident.path("cluster").asText());
        assertTrue(incident.path("transient").asBoolean(), incident.toPrettyString());
        final String evidence = text(incident, "evidence");
        assertTrue(evidence.contains(JOB_PVE1 + " on pve1 → " + STORAGE + " on " + PBS_HOST), evidence);
        assertTrue(evidence.contains(JOB_HOOK + " on " + hookNode + " → " + STORAGE + " on " + PBS_HOST), evidence);
        assertTrue(text(incident, "hosts").contains("pve1") && text(incident, "hosts").contains(hookNode),
                incident.toPrettyString());
        final String id = incident.path("id").asText();

        // Asked in this order, the web API's answer was on the topic before the tail read it.
        final JsonNode answer = webIncident(id);
        final List<JsonNode> tailed = tail();
        assertTrue(tailed.stream().allMatch(i -> i.path("id").asText().equals(id)),
                "one incident, every revision of it: " + tailed);
        assertTrue(tailed.contains(answer), "the web API answers with a revision on the topic: " + answer);

        await("the silence posted to Alertmanager", () -> silencePosts(alertmanager).stream()
                .anyMatch(body -> body.contains(id) && body.contains(CP_POD) && body.contains(WORKER_POD)), null);
        final String silence = silencePosts(alertmanager).get(silencePosts(alertmanager).size() - 1);
        assertTrue(silence.contains("\"name\":\"cluster\",\"value\":\"" + CLUSTER + "\""), silence);
        return id;
    }

    // ---- the correlator process ----

    /**
     * The persistent box, the docs' way to run on one machine: {@code run --embedded --data-dir},
     * its broker and schema registry on loopback ports chosen here, fixed so that a restarted
     * {@code run} is where the collectors and the sink already look.
     */
    private record Box(Path data, int brokerPort, int registryPort) {

        String bootstrap() {
            return "127.0.0.1:" + brokerPort;
        }

        String registry() {
            return "http://127.0.0.1:" + registryPort;
        }

        List<String> runArgs() {
            return List.of("--embedded", "--data-dir", data.toString(), "--broker-listen", bootstrap(),
                    "--registry-listen", "127.0.0.1:" + registryPort);
        }
    }

    private void startRun(String name) throws Exception {
        final List<String> args = new ArrayList<>(List.of("run", "--application-id", APPLICATION_ID,
                "--port", Integer.toString(webPort), "--web-bind", "127.0.0.1",
                "--health-port", Integer.toString(healthPort), "--health-bind", "127.0.0.1"));
        args.addAll(box.runArgs());
        startRun(name, args);
    }

    /** Starts {@code bin/correlator ARGS} as {@link #run} and waits until the box is ready where {@link #box} says. */
    private void startRun(String name, List<String> args) throws Exception {
        run = CorrelatorProcess.launch(name, logs, Map.of(), args.toArray(String[]::new));
        await(name + " ready", () -> ready(), run);
        assertTrue(run.logContains("broker listening on " + box.bootstrap()), run.logTail(20));
        assertTrue(run.logContains("schema registry listening on " + box.registry()), run.logTail(20));
    }

    private boolean ready() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private CorrelatorProcess collector(String name, Map<String, String> env, String... args) {
        final List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", box.bootstrap(), "--schema-registry-url", box.registry()));
        return CorrelatorProcess.launch(name, logs, env, all.toArray(String[]::new));
    }

    // ---- what the operator reads ----

    /** {@code incidents tail --json --from-beginning}: every revision in the topic, as printed. */
    private List<String> tailLines() throws Exception {
        final String name = "incidents-tail-" + UUID.randomUUID().toString().substring(0, 8);
        final CorrelatorProcess tail = CorrelatorProcess.launch(name, logs, Map.of(), "incidents", "tail", "--json",
                "--from-beginning", "--bootstrap-servers", box.bootstrap(), "--schema-registry-url", box.registry());
        final int exit = tail.await(STEP.toSeconds());
        if (exit != 0) {
            fail("incidents tail exited " + exit + ":\n" + tail.logTail(40));
        }
        return Files.readAllLines(tail.out()).stream().filter(l -> !l.isBlank()).toList();
    }

    private List<JsonNode> tail() throws Exception {
        final List<JsonNode> revisions = new ArrayList<>();
        for (String line : tailLines()) {
            revisions.add(json.readTree(line));
        }
        return revisions;
    }

    /** The incidents the web API lists. */
    private List<JsonNode> webIncidents() throws Exception {
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + webPort + "/api/incidents")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        final List<JsonNode> list = new ArrayList<>();
        json.readTree(r.body()).forEach(list::add);
        return list;
    }

    /** {@code GET /api/incidents/ID}. */
    private JsonNode webIncident(String id) throws Exception {
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort
                        + "/api/incidents/" + URLEncoder.encode(id, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return json.readTree(r.body());
    }

    /** Waits until the web API shows an incident of the cluster for which {@code done} holds; returns it. */
    private JsonNode awaitIncident(Predicate<JsonNode> done) throws Exception {
        final JsonNode[] found = new JsonNode[1];
        await("the incident in the web API", () -> {
            try {
                for (JsonNode i : webIncidents()) {
                    if (CLUSTER.equals(i.path("cluster").asText()) && done.test(i)) {
                        found[0] = i;
                        return true;
                    }
                }
                return false;
            } catch (Exception notYet) {
                return false;
            }
        }, run);
        return found[0];
    }

    private static List<String> podNames(JsonNode incident) {
        final List<String> names = new ArrayList<>();
        incident.path("pods").forEach(p -> names.add(p.path("pod").asText()));
        return names;
    }

    private static JsonNode pod(JsonNode incident, String name) {
        for (JsonNode p : incident.path("pods")) {
            if (name.equals(p.path("pod").asText())) {
                return p;
            }
        }
        return MissingNode.getInstance();
    }

    private static String text(JsonNode incident, String field) {
        return incident.path(field).toString();
    }

    private static List<String> silencePosts(WireMockServer alertmanager) {
        return alertmanager.findAll(postRequestedFor(urlEqualTo("/api/v2/silences"))).stream()
                .map(LoggedRequest::getBodyAsString).toList();
    }

    /** The record timestamps on the incidents topic, as any consumer sees them. */
    private List<Long> incidentTimestamps() {
        final List<Long> stamps = records("incidents").stream().map(ConsumerRecord::timestamp).toList();
        assertFalse(stamps.isEmpty(), "no incident records");
        return stamps;
    }

    /** The keys on {@code topic}, read as an operator's kcat would (this JVM asserts, it does not decode). */
    private List<String> keys(String topic) {
        return records(topic).stream().map(ConsumerRecord::key).toList();
    }

    /** What a read-committed consumer reads from the start of {@code topic}; none before it exists. */
    private List<ConsumerRecord<String, byte[]>> records(String topic) {
        final Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, box.bootstrap());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        } catch (KafkaException e) {
            return List.of();
        }
        return records;
    }

    /** The event streams the correlator's consumer group reads (the inventory tables are global, without a group). */
    private static final List<String> EVENT_INPUTS = List.of("pod-restarts", "backup-events", "proxmox-memory",
            "etcd-latency");
    private static final List<String> INPUTS = Stream.concat(
            Stream.of("inventory", "storage-locations"), EVENT_INPUTS.stream()).toList();

    /** Per input topic, how many records each key has. */
    private Map<String, Map<String, Long>> inputKeyCounts() {
        final Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
        for (String topic : INPUTS) {
            counts.put(topic, keys(topic).stream().collect(Collectors.groupingBy(k -> k,
                    Collectors.counting())));
        }
        return counts;
    }

    /**
     * Waits until the correlator's consumer group has committed every input record that was on
     * the topics when this was called (after a restart: what arrived while it was down).
     */
    private void awaitCaughtUp(String what) throws Exception {
        final Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                box.bootstrap());
        try (Admin admin = Admin.create(props)) {
            final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (var d : admin.describeTopics(EVENT_INPUTS).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()),
                        OffsetSpec.latest()));
            }
            final Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp, info.offset()));
            await(what, () -> {
                try {
                    final var committed = admin.listConsumerGroupOffsets(APPLICATION_ID).partitionsToOffsetAndMetadata()
                            .get(10, TimeUnit.SECONDS);
                    return end.entrySet().stream().allMatch(e -> e.getValue() == 0 || (committed.get(e.getKey()) != null
                            && committed.get(e.getKey()).offset() >= e.getValue()));
                } catch (Exception notYet) {
                    return false;
                }
            }, run);
        }
    }

    // ---- the vzdump hook, as vzdump runs it ----

    private Path hookConfig(int port, Path tokenFile) throws Exception {
        final Path pidFile = Files.writeString(dir.resolve("vzdump.pid"), String.format(
                "UPID:%s:%08X:%08X:%08X:vzdump::root@pam:%n", hookNodeName(), 52017, 20114957,
                Instant.now().getEpochSecond()));
        return Files.writeString(dir.resolve("correlator-vzdump-hook"),
                "CORRELATOR_HOOK_URL=http://127.0.0.1:" + port + "/vzdump\n"
                        + "CORRELATOR_HOOK_TOKEN_FILE=" + tokenFile + "\n"
                        + "CORRELATOR_VZDUMP_PIDFILE=" + pidFile + "\n");
    }

    /**
     * Runs the shipped hook script for one phase as vzdump does: an otherwise empty environment,
     * and vzdump (here a shell with its command line) as the parent, which names the job.
     */
    private void hook(Path config, String phaseAndArgs, Map<String, String> env) throws Exception {
        final ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "/bin/sh \"$0\" " + phaseAndArgs + "; :",
                HOOK_SCRIPT.toString(), "vzdump", "--all", "1", "--mode", "snapshot", "--storage", STORAGE,
                "--job-id", JOB_HOOK).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().put("CORRELATOR_HOOK_CONFIG", config.toString());
        final Process p = pb.start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the hook script did not finish");
        assertEquals(0, p.exitValue(), output);
        assertEquals("", output, "the hook stays quiet in the task log");
    }

    private static String hookNodeName() throws Exception {
        final Process p = new ProcessBuilder("uname", "-n").start();
        final String name = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
    }

    // ---- plumbing ----

    /** Each run's logs on their own: they are appended to, and a restarted process gets a new name. */
    private void cleanLogs() throws IOException {
        Files.createDirectories(logs);
        try (var files = Files.list(logs)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }

    private <T extends AutoCloseable> T closing(T fake) {
        fakes.add(fake);
        return fake;
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** {@code n} distinct free loopback ports (all held open while choosing, so none repeats). */
    private static int[] freePorts(int n) throws IOException {
        final List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return held.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    /**
     * Polls {@code condition} for up to {@link #STEP}; on timeout fails with the tails of every
     * process's log ({@code watched} first), so a CI failure says where it stopped.
     */
    private void await(String what, Supplier<Boolean> condition, CorrelatorProcess watched) throws Exception {
        final long deadline = System.nanoTime() + STEP.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline || (watched != null && !watched.isAlive())) {
                threadDump(watched);
                fail("waiting for " + what + ": " + (watched != null && !watched.isAlive() ? watched.name()
                        + " exited" : "timed out after " + STEP.toSeconds() + " s") + "\n" + tails(watched));
            }
            Thread.sleep(250);
        }
        System.out.printf("HomelabSystemIT: %5.1f s: %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    /** A process that did not get there: its threads, into {@code NAME.threads} beside its log. */
    private void threadDump(CorrelatorProcess stuck) throws Exception {
        if (stuck == null || !stuck.isAlive()) {
            return;
        }
        final Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        final Path out = logs.resolve(stuck.name() + ".threads");
        final Process p = new ProcessBuilder(jcmd.toString(), Long.toString(stuck.pid()), "Thread.print")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    private String tails(CorrelatorProcess first) throws IOException {
        final Map<String, String> tails = new LinkedHashMap<>();
        if (first != null) {
            tails.put(first.log().toString(), first.logTail(40));
        }
        try (var files = Files.list(logs)) {
            for (Path f : files.sorted().toList()) {
                final List<String> lines = Files.readAllLines(f);
                tails.putIfAbsent(f.toString(), String.join("\n", lines.subList(Math.max(0, lines.size() - 15),
                        lines.size())));
            }
        }
        final StringBuilder sb = new StringBuilder();
        tails.forEach((file, tail) -> sb.append("---- ").append(file).append('\n').append(tail).append('\n'));
        return sb.toString();
    }
}
