package io.incidentcorrelator.it;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import io.incidentcorrelator.collectors.testing.SelfSignedCert;
import io.incidentcorrelator.embedded.EmbeddedKafkaBroker;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.testsupport.CorrelatorProcess;
import io.incidentcorrelator.testsupport.RestartableBroker;
import io.incidentcorrelator.testsupport.ScenarioCorpus;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The secrets sweep, on the artifact a user runs: every command that takes a secret, each its own
 * {@code bin/correlator} process on {@code target/lib}, against loopback servers that answer OK
 * (real-shaped), 401, 500 with the request's line and headers echoed in the body (what a debugging
 * proxy does), not at all (a closed port), and over TLS with a self-signed certificate the client
 * does not trust. Every secret is a distinctive marker. Afterwards the marker, its base64 (padded
 * and not) and the base64 of {@code user:marker} are looked for in everything the runs left: each
 * process's stdout and stderr, every file written (outputs, ledgers, journals, the state
 * directory), every record of every topic on the broker (key, value and headers, consumed), and
 * the answers of the web view, the API and {@code /metrics}. The test prints what it swept and
 * fails naming each place a marker was found.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class SecretsSweepIT {

    private static final Path LOGS = CorrelatorProcess.logDir("SecretsSweepIT");
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String USER = "sweep-user";
    private static final String TOKEN_ID = FakeProxmox.TOKEN_ID;
    /** A process that has not ended by then is killed and its output swept as it is. */
    private static final long COMMAND_SECONDS = 150;
    /** Long enough for a loaded machine's broker; a registry that refuses the schema costs no more. */
    private static final String FLUSH = "15s";

    /** How a server answers. */
    enum Behaviour { OK, UNAUTHORIZED_401, ECHO_500, UNREACHABLE, UNTRUSTED_TLS }

    @TempDir
    Path work;

    private final Map<String, String> markers = new LinkedHashMap<>();
    /** command and behaviour → how it ended. */
    private final Map<String, String> ran = new ConcurrentHashMap<>();
    private final List<AutoCloseable> servers = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedKafkaBroker broker;
    private EmbeddedSchemaRegistryServer registry;

    @AfterEach
    void stop() throws Exception {
        CorrelatorProcess.killAll();
        for (AutoCloseable s : servers) {
            s.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void noSecretLeavesAnyCommandInAnyPlace() throws Exception {
        final long started = System.nanoTime();
        if (Files.isDirectory(LOGS)) {
            try (Stream<Path> old = Files.walk(LOGS)) {
                for (Path f : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f); // this run's output only: launch() appends
                }
            }
        }
        final Path secrets = Files.createDirectories(work.resolve("secrets"));
        final Path out = Files.createDirectories(work.resolve("out"));
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry());
        final Path config = Files.writeString(out.resolve("sweep.properties"), "incident-correlator.topic-prefix=sweep.\n");

        // ---- the secrets, each in the place a user puts it ----
        final String pve = marker("proxmox API token secret");
        final Path pveFile = secretFile(secrets, "pve-token", pve);
        final String registryPassword = marker("registry basic-auth password (file)");
        final Path registryAuth = secretFile(secrets, "registry-auth", USER + ":" + registryPassword);
        final String registryUrlPassword = marker("registry basic-auth password (URL user info)");
        final String hmac = marker("webhook signature secret");
        final Path hmacFile = secretFile(secrets, "webhook-hmac", hmac);
        final String urlToken = marker("webhook URL token");
        final String bearer = marker("webhook bearer token");
        final Path bearerFile = secretFile(secrets, "webhook-bearer", bearer);
        final String amPassword = marker("alertmanager basic-auth password");
        final Path amFile = secretFile(secrets, "alertmanager-password", amPassword);
        final String etcdPassword = marker("etcd URL user info password");
        final String kubeToken = marker("kubeconfig bearer token");
        final String hookPve1 = marker("hook token of pve1");
        final String hookOther = marker("hook token of pve9");
        final String hookWrong = marker("hook token presented but unknown");
        final Path hookTokens = secretFile(secrets, "hook-tokens", "pve1 " + hookPve1 + "\npve9 " + hookOther + "\n");

        // ---- the servers: one per behaviour ----
        final Map<Behaviour, String> base = new LinkedHashMap<>();
        final WireMockServer ok = LoopbackWireMock.start();
        servers.add(ok::stop);
        ok.stubFor(post(urlPathMatching("/hook/.*")).willReturn(aResponse().withStatus(204)));
        ok.stubFor(get(urlPathEqualTo("/am/api/v2/silences")).willReturn(okJson("[]")));
        ok.stubFor(post(urlPathEqualTo("/am/api/v2/silences")).willReturn(okJson("{\"silenceID\":\"sweep-1\"}")));
        ok.stubFor(get(urlPathEqualTo("/metrics")).willReturn(aResponse().withStatus(200).withBody(
                "# TYPE etcd_server_has_leader gauge\netcd_server_has_leader 1\n")));
        base.put(Behaviour.OK, ok.baseUrl());
        base.put(Behaviour.UNAUTHORIZED_401, echo(401, null));
        base.put(Behaviour.ECHO_500, echo(500, null));
        base.put(Behaviour.UNREACHABLE, "http://127.0.0.1:" + RestartableBroker.freePort());
        base.put(Behaviour.UNTRUSTED_TLS, echo(200, SelfSignedCert.create(Files.createDirectories(work.resolve("tls")))));
        final FakeProxmox proxmox = new FakeProxmox("pve1", 201, "talos-cp-01", ZoneId.of("UTC"), pve);
        servers.add(proxmox);
        proxmox.startBackup("backup-sweep", "pbs-main");
        final KubernetesMockServer kube = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        kube.init(InetAddress.getLoopbackAddress(), 0);
        servers.add(kube::destroy);
        try (KubernetesClient client = kube.createClient()) {
            client.pods().inNamespace("media").resource(new PodBuilder().withNewMetadata().withNamespace("media")
                    .withName("jellyfin-0").endMetadata().withNewSpec().withNodeName("talos-worker-01")
                    .addNewContainer().withName("jellyfin").withImage("jellyfin/jellyfin").endContainer().endSpec()
                    .build()).create();
        }

        final Map<String, String> cluster = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL", registry.url(),
                "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE", registryAuth.toString());

        // ---- incidents on the cluster for the sinks and the web view: a scenario replayed onto it ----
        // Moved to end three hours ago, as the box's own incidents of last night: the collectors below
        // stamp what they send with the time it is now, and the web view keeps a week of event time
        // (timeline.retention), so a scenario months old would be purged from it before it is asked.
        // (The replay's closing tick, 2 h 31 min past the last event, then stays in the past too.)
        final String night = Files.readString(ROOT.resolve(
                "streams-app/src/main/resources/scenarios/backup-window-scheduler.jsonl"));
        final Path scenario = Files.writeString(out.resolve("backup-window-scheduler-last-night.jsonl"),
                ScenarioCorpus.endingAgo(night, Duration.ofHours(3)));
        assertEquals(0, command("replay onto the cluster", "OK", cluster, "replay", "--quiet", "--topic-prefix",
                "sweep.", "--out", out.resolve("replayed.jsonl").toString(), scenario.toString()),
                "the replay put incidents on the cluster: " + LOGS.resolve("replay-onto-the-cluster-OK.log"));
        final int webPort = RestartableBroker.freePort();
        final int runHealth = RestartableBroker.freePort();
        final CorrelatorProcess run = CorrelatorProcess.launch("run", LOGS, cluster, "run", "--config", config.toString(),
                "--application-id", "sweep-run", "--state-dir", out.resolve("state").toString(),
                "--port", String.valueOf(webPort), "--health-port", String.valueOf(runHealth));
        // Its topics exist before the collectors write to them.
        assertTrue(run.awaitLog("RUNNING", Duration.ofSeconds(COMMAND_SECONDS)), run.logTail(30));

        // ---- every command that takes a secret, against every behaviour ----
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        final List<Future<Integer>> runs = new ArrayList<>();
        for (Behaviour b : Behaviour.values()) {
            final String url = base.get(b);
            final String proxmoxUrl = b == Behaviour.OK ? proxmox.url() : url;
            final String[] proxmoxArgs = {"--proxmox-url", proxmoxUrl, "--token-id", TOKEN_ID, "--token-secret-file",
                    pveFile.toString(), "--node", "pve1", "--timeout", "3s"};
            final String registryUrl = b == Behaviour.OK ? registry.url() : url;
            final Map<String, String> registryFile = with(cluster, "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL", registryUrl);
            final Map<String, String> registryUserInfo = with(cluster, "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL",
                    userInfo(registryUrl, registryUrlPassword));
            registryUserInfo.remove("INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE");
            final Path webhookUrl = secretFile(secrets, "webhook-url-" + b, url + "/hook/" + urlToken);
            final String kubeServer = b == Behaviour.OK ? "http://127.0.0.1:" + kube.getPort() : url;
            final Path kubeconfig = secretFile(secrets, "kubeconfig-" + b, kubeconfig(kubeServer, kubeToken));
            final String inventory = ROOT.resolve("deploy/compose/inventory.yaml").toString();
            final String sinkRetry = "--max-attempts=2 --backoff=100ms --max-backoff=200ms --timeout=3s";

            runs.add(pool.submit(() -> command("collect proxmox-memory", b.name(), cluster,
                    concat(List.of("collect", "proxmox-memory", "--once", "--config", config.toString(), "--flush-timeout", FLUSH), proxmoxArgs))));
            runs.add(pool.submit(() -> command("collect proxmox-backup", b.name(), cluster, concat(List.of("collect",
                    "proxmox-backup", "--once", "--config", config.toString(), "--flush-timeout", FLUSH, "--sent-phases-file",
                    out.resolve("sent-phases-" + b).toString()), proxmoxArgs))));
            runs.add(pool.submit(() -> command("backfill", b.name(), Map.of(), concat(List.of("backfill", "--since",
                    "2026-02-26T00:00:00Z", "--until", "2026-02-26T01:00:00Z", "--out",
                    out.resolve("backfill-" + b + ".jsonl").toString()), proxmoxArgs))));
            runs.add(pool.submit(() -> command("collect inventory (registry auth file)", b.name(), registryFile,
                    "collect", "inventory", "--once", "--config", config.toString(), "--flush-timeout", FLUSH, "--file", inventory)));
            runs.add(pool.submit(() -> command("collect inventory (registry URL user info)", b.name(), registryUserInfo,
                    "collect", "inventory", "--once", "--config", config.toString(), "--flush-timeout", FLUSH, "--file", inventory)));
            runs.add(pool.submit(() -> command("sink webhook", b.name(), cluster, concat(List.of("sink", "webhook",
                    "--once", "--from-beginning", "--config", config.toString(), "--group-id", "sweep-webhook-" + b,
                    "--url-file", webhookUrl.toString(), "--signature-secret-file", hmacFile.toString(),
                    "--bearer-token-file", bearerFile.toString()), sinkRetry.split(" ")))));
            runs.add(pool.submit(() -> command("sink alertmanager", b.name(), cluster, concat(List.of("sink",
                    "alertmanager", "--once", "--from-beginning", "--config", config.toString(), "--group-id",
                    "sweep-am-" + b, "--alertmanager-url", url + "/am", "--basic-auth-user", USER,
                    "--basic-auth-password-file", amFile.toString()), sinkRetry.split(" ")))));
            runs.add(pool.submit(() -> command("collect etcd (URL user info)", b.name(), Map.of(), "collect", "etcd",
                    "--print", "--once", "--cluster", "homelab", "--endpoint", "cp-01=" + userInfo(url, etcdPassword))));
            runs.add(pool.submit(() -> command("collect kubernetes (kubeconfig token)", b.name(),
                    with(cluster, "KUBECONFIG", kubeconfig.toString()), "collect", "kubernetes", "--once", "--no-logs",
                    "--cluster", "homelab", "--config", config.toString(), "--flush-timeout", FLUSH, "--ledger",
                    out.resolve("ledger-" + b + ".json").toString())));
        }
        // Weakened settings are run too, and must be WARNed about at start: TLS checks off, and a
        // secret file every user can read.
        final Path readable = secretFile(secrets, "pve-token-readable", pve);
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r--r--"));
        final String[] weakened = {"collect", "proxmox-memory", "--print", "--once", "--token-id", TOKEN_ID,
                "--node", "pve1", "--timeout", "3s", "--proxmox-url"};
        runs.add(pool.submit(() -> command("collect proxmox-memory --insecure", Behaviour.UNTRUSTED_TLS.name(), Map.of(),
                concat(List.of(weakened), base.get(Behaviour.UNTRUSTED_TLS), "--insecure", "--token-secret-file",
                        pveFile.toString()))));
        runs.add(pool.submit(() -> command("collect proxmox-memory (0644 secret file)", Behaviour.OK.name(), Map.of(),
                concat(List.of(weakened), proxmox.url(), "--token-secret-file", readable.toString()))));
        pool.shutdown();
        for (Future<Integer> f : runs) {
            f.get(COMMAND_SECONDS * 2, TimeUnit.SECONDS);
        }
        assertTrue(Files.readString(LOGS.resolve("collect-proxmox-memory-insecure-UNTRUSTED_TLS.log"))
                .contains("SECURITY: TLS certificate and host name checks are OFF (--insecure)"), "--insecure warned");
        assertTrue(Files.readString(LOGS.resolve("collect-proxmox-memory-0644-secret-file-OK.log"))
                .contains("is readable by every user (mode rw-r--r--); chmod 600 it"), "the 0644 secret file warned");
        // A password in an etcd URL is refused (etcd's metrics listener takes none), naming the member only.
        assertTrue(Files.readString(LOGS.resolve("collect-etcd-URL-user-info-OK.log")).contains("cp-01 (http://localhost:"
                + ok.port() + "/…): user:password@ in the URL is not supported"), ran.toString());

        // ---- the hook endpoint's per-node tokens: a wrong one, one for another node, then a real post ----
        final int hookPort = RestartableBroker.freePort();
        final int hookHealth = RestartableBroker.freePort();
        final CorrelatorProcess hook = CorrelatorProcess.launch("collect-proxmox-hook-HOOK", LOGS, cluster, "collect",
                "proxmox-hook", "--once", "--config", config.toString(), "--hook-listen", "127.0.0.1:" + hookPort,
                "--hook-token-file", hookTokens.toString(), "--health-port", String.valueOf(hookHealth));
        assertTrue(hook.awaitLog("vzdump hook endpoint listening", Duration.ofSeconds(90)), hook.logTail(20));
        final Map<String, String> answers = new LinkedHashMap<>();
        answers.put("hook answer to an unknown token", hookPost(hookPort, hookWrong, "pve1"));
        answers.put("hook answer to pve9's token claiming pve1", hookPost(hookPort, hookOther, "pve1"));
        answers.put("hook collector /metrics", fetch("http://127.0.0.1:" + hookHealth + "/metrics"));
        answers.put("hook answer to pve1's post", hookPost(hookPort, hookPve1, "pve1"));
        ran.put("collect proxmox-hook (per-node tokens) × wrong token, other node's token, own token",
                "exit " + hook.await(COMMAND_SECONDS));

        // ---- what the web view and the run's endpoints show ----
        final String api = "http://127.0.0.1:" + webPort;
        final List<String> replayedIds = Files.readAllLines(out.resolve("replayed.jsonl")).stream()
                .filter(line -> line.contains("\"cluster\":\"prod\"")).map(SecretsSweepIT::incidentId).toList();
        assertTrue(!replayedIds.isEmpty(), "the replay classified an incident on prod");
        answers.put("web API /api/incidents", awaitIncidents(api + "/api/incidents?cluster=prod", replayedIds));
        answers.put("web view /", fetch(api + "/"));
        answers.put("web API /api/timeline", fetch(api + "/api/timeline?cluster=prod"));
        answers.put("run /health/ready", fetch("http://127.0.0.1:" + runHealth + "/health/ready"));
        answers.put("run /metrics", fetch("http://127.0.0.1:" + runHealth + "/metrics"));
        run.stop();
        ran.put("run (registry auth file) × web view, API, health, metrics", "stopped");

        // ---- gather every place, then look for every form of every marker ----
        final Map<String, String> places = new LinkedHashMap<>();
        try (Stream<Path> logs = Files.list(LOGS)) {
            for (Path f : logs.sorted().toList()) {
                places.put((f.toString().endsWith(".out") ? "stdout of " : "stderr of ") + f.getFileName(), read(f));
            }
        }
        final List<String> files = new ArrayList<>();
        try (Stream<Path> written = Files.walk(work)) {
            for (Path f : written.filter(Files::isRegularFile).filter(f -> !f.startsWith(secrets)).sorted().toList()) {
                places.put("file " + work.relativize(f), read(f));
                files.add(work.relativize(f).toString());
            }
        }
        final Map<String, Integer> topics = consumeEveryTopic(places);
        places.putAll(answers);

        System.out.println("secrets sweep: " + ran.size() + " command runs in "
                + (System.nanoTime() - started) / 1_000_000_000 + " s");
        new TreeMap<>(ran).forEach((what, how) -> System.out.println("  " + what + ": " + how));
        System.out.println("  " + files.size() + " files written: " + files);
        System.out.println("  topics (records): " + topics);
        System.out.println("  answers: " + answers.keySet());
        System.out.println("  markers: " + markers.values());

        final List<String> leaks = new ArrayList<>();
        places.forEach((place, text) -> markers.forEach((marker, what) -> {
            for (Map.Entry<String, String> form : forms(marker).entrySet()) {
                if (text.contains(form.getValue())) {
                    leaks.add("the " + what + " (" + form.getKey() + ") in " + place);
                }
            }
        }));
        assertEquals(List.of(), leaks, "secrets leaked");

        // The sweep reached what it meant to: the servers were asked, the topics and the API have content.
        assertEquals(9 * Behaviour.values().length + 5, ran.size(), ran.toString());
        assertTrue(places.entrySet().stream().anyMatch(e -> e.getKey().startsWith("stderr of ")
                && e.getValue().contains("[hidden]")), "an echoing server's answer reached some log, scrubbed");
        // The swept API answer lists the run's incidents (so a secret in one could have been found).
        final String listed = answers.get("web API /api/incidents");
        assertTrue(listed.startsWith("200 ") && replayedIds.stream().allMatch(id -> listed.contains("\"" + id + "\"")),
                "the web API lists the replayed incidents " + replayedIds + ": " + listed);
        assertTrue(topics.getOrDefault("sweep.incidents", 0) > 0 && topics.getOrDefault("sweep.inventory", 0) > 0
                && topics.getOrDefault("sweep.backup-events", 0) > 0, topics.toString());
    }

    private String marker(String what) {
        final String m = "MARKER" + what.replaceAll("[^a-z]", "").substring(0, 6).toUpperCase()
                + UUID.randomUUID().toString().replace("-", "");
        markers.put(m, what);
        return m;
    }

    private static Map<String, String> forms(String marker) {
        final Base64.Encoder b64 = Base64.getEncoder();
        final String encoded = b64.encodeToString(marker.getBytes(StandardCharsets.UTF_8));
        return Map.of("as is", marker, "base64", encoded, "base64 unpadded", encoded.replace("=", ""),
                "base64 of user:password", b64.encodeToString((USER + ":" + marker).getBytes(StandardCharsets.UTF_8)));
    }

    private static Path secretFile(Path dir, String name, String value) throws IOException {
        final Path f = Files.writeString(dir.resolve(name), value + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private static String userInfo(String url, String password) {
        return url.replaceFirst("://", "://" + USER + ":" + password + "@");
    }

    private static String kubeconfig(String server, String token) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: homelab
                  cluster: {server: "%s"}
                users:
                - name: collector
                  user: {token: %s}
                contexts:
                - name: homelab
                  context: {cluster: homelab, user: collector, namespace: default}
                current-context: homelab
                """.formatted(server, token);
    }

    /** {@code bin/correlator args...} to its end (killed after {@link #COMMAND_SECONDS}); returns the exit code. */
    private int command(String what, String behaviour, Map<String, String> env, String... args) {
        final String name = (what.replaceAll("[^A-Za-z0-9]+", "-") + "-" + behaviour).replaceAll("-+", "-");
        final CorrelatorProcess p = CorrelatorProcess.launch(name, LOGS, env, args);
        try {
            final int exit = p.await(COMMAND_SECONDS);
            ran.put(what + " × " + behaviour, "exit " + exit);
            return exit;
        } catch (AssertionError timedOut) {
            ran.put(what + " × " + behaviour, "killed after " + COMMAND_SECONDS + " s");
            return -1;
        }
    }

    private static String[] concat(List<String> head, String... tail) {
        return Stream.concat(head.stream(), Stream.of(tail)).toArray(String[]::new);
    }

    private static Map<String, String> with(Map<String, String> env, String name, String value) {
        final Map<String, String> m = new HashMap<>(env);
        m.put(name, value);
        return m;
    }

    /**
     * A loopback server answering {@code status} to everything with the request line and headers as
     * the body; over HTTPS with {@code cert} (which no client here trusts) when given. Returns its URL.
     */
    private String echo(int status, SelfSignedCert cert) throws Exception {
        final InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        final HttpServer server;
        if (cert == null) {
            server = HttpServer.create(loopback, 16);
        } else {
            final KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(cert.keystore())) {
                store.load(in, cert.password().toCharArray());
            }
            final KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, cert.password().toCharArray());
            final SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(keys.getKeyManagers(), null, null);
            final HttpsServer https = HttpsServer.create(loopback, 16);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.createContext("/", exchange -> answer(exchange, status));
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        servers.add(() -> {
            server.stop(0);
            ((ExecutorService) server.getExecutor()).shutdownNow();
        });
        return (cert == null ? "http" : "https") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, int status) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            final StringBuilder body = new StringBuilder(exchange.getRequestMethod() + " " + exchange.getRequestURI()
                    + "\n");
            // Credentials first: clients cut long answers short, and the sweep must see them echoed.
            exchange.getRequestHeaders().entrySet().stream()
                    .sorted(java.util.Comparator.comparing((Map.Entry<String, List<String>> h) -> !h.getKey()
                            .toLowerCase(java.util.Locale.ROOT).matches("authorization|.*signature")))
                    .forEach(h -> body.append(h.getKey()).append(": ").append(String.join(",", h.getValue()))
                            .append('\n'));
            final byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private String hookPost(int port, String token, String node) throws Exception {
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/vzdump"))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"phase\":\"job-start\",\"node\":\"" + node
                        + "\",\"storeid\":\"pbs-main\"}")).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.headers().map() + " " + r.body();
    }

    private String fetch(String url) throws Exception {
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.headers().map() + " " + r.body();
    }

    /** The API's answer once it lists every incident of {@code ids}, or its last answer after 120 s (checked after the sweep). */
    private String awaitIncidents(String url, List<String> ids) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                last = fetch(url);
                final String answer = last;
                if (answer.startsWith("200 ") && ids.stream().allMatch(id -> answer.contains("\"" + id + "\""))) {
                    return last;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(300);
        }
        return last;
    }

    /** Every record of every topic, as text per topic in {@code places}; returns the record count per topic. */
    private Map<String, Integer> consumeEveryTopic(Map<String, String> places) {
        final Map<String, Integer> counts = new TreeMap<>();
        final Map<String, Object> props = new HashMap<>(broker.clientSettings());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final List<TopicPartition> partitions = consumer.listTopics(Duration.ofSeconds(30)).values().stream()
                    .flatMap(List::stream).map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            final Map<String, StringBuilder> text = new TreeMap<>();
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertTrue(System.nanoTime() < deadline, "could not read every topic to its end within 60 s");
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    final StringBuilder t = text.computeIfAbsent(r.topic(), k -> new StringBuilder());
                    t.append(latin1(r.key())).append('\t').append(latin1(r.value()));
                    for (Header h : r.headers()) {
                        t.append('\t').append(h.key()).append('=').append(latin1(h.value()));
                    }
                    t.append('\n');
                    counts.merge(r.topic(), 1, Integer::sum);
                }
            }
            partitions.forEach(p -> counts.putIfAbsent(p.topic(), 0));
            text.forEach((topic, records) -> places.put("topic " + topic, records.toString()));
        }
        return counts;
    }

    private static String incidentId(String incidentLine) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(incidentLine).get("id").asText();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String latin1(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String read(Path f) throws IOException {
        return latin1(Files.readAllBytes(f));
    }
}
