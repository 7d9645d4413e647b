package io.incidentcorrelator.bench;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.testsupport.MockKubeconfig;
import io.incidentcorrelator.topics.Topics;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The latency a person feels (docs/performance.md, "The always-on box"): from a container restart appearing in the
 * Kubernetes API to the first incident revision naming its pod on the incidents topic, through the real collector.
 * fabric8's mock server in CRUD mode is the Kubernetes API; {@code bin/correlator collect kubernetes} runs as its own
 * process against it and sends to a running box ({@code bin/measure-box} starts one and runs this; it needs the test
 * classpath for the mock server, the measured processes run from the packaged launcher).
 *
 * <pre>
 * KubeRestartLatency LAUNCHER BOOTSTRAP REGISTRY_URL WORK_DIR RESTARTS GAP_MS
 * </pre>
 *
 * RESTARTS pods of cluster {@code prod} (on the bench homelab's worker nodes) are created with no restarts, the
 * collector is started and takes them as its baseline, then one container after the other restarts (its status
 * updated through the API: restartCount 1, last state terminated with exit code 1), GAP_MS apart. Five warm-up
 * restarts first, not counted, let both JVMs compile the path. Prints p50, p99 and max in ms; exit 1 when a restart
 * never reached the topic within a minute.
 */
public final class KubeRestartLatency {

    private static final String CLUSTER = "prod";
    private static final String NAMESPACE = "probe";
    private static final int WARM_UP = 5;
    /** The mock server logs every request through java.util.logging; held here so the level stays set. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
    private static final List<String> NODES = List.of("prod-worker-1", "prod-worker-2", "prod-worker-3");

    private KubeRestartLatency() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: KubeRestartLatency LAUNCHER BOOTSTRAP REGISTRY_URL WORK_DIR RESTARTS GAP_MS");
            System.exit(2);
        }
        final Path launcher = Path.of(args[0]);
        final String bootstrap = args[1];
        final String registryUrl = args[2];
        final Path work = Files.createDirectories(Path.of(args[3]));
        final int restarts = Integer.parseInt(args[4]);
        final long gapMs = Long.parseLong(args[5]);

        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        final KubernetesMockServer kube = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        kube.init(InetAddress.getLoopbackAddress(), 0);
        final Topics topics = Pipeline.topics(CorrelatorConfig.defaults(), SchemaRegistries.forUrl(registryUrl, Map.of()));
        Process collector = null;
        final LatencyProbe.Result result;
        try (KubernetesClient api = kube.createClient()) {
            final int total = WARM_UP + restarts;
            for (int i = 0; i < total; i++) {
                api.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                        .withNewMetadata().withNamespace(NAMESPACE).withName(pod(i)).endMetadata()
                        .withNewSpec().withNodeName(NODES.get(i % NODES.size())).addNewContainer().withName("app")
                        .withImage("registry.lab/app:1").endContainer().endSpec()
                        .withNewStatus().addToContainerStatuses(new ContainerStatusBuilder().withName("app")
                                .withRestartCount(0).build()).endStatus()
                        .build()).create();
            }
            final Path kubeconfig = MockKubeconfig.write(work.resolve("kubeconfig"), CLUSTER, kube.getPort());
            final ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "collect", "kubernetes", "--cluster", CLUSTER,
                    "--bootstrap-servers", bootstrap, "--schema-registry-url", registryUrl,
                    "--ledger", work.resolve("restart-ledger.json").toString(), "--no-logs")
                    .redirectErrorStream(true).redirectOutput(work.resolve("collector.log").toFile());
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
            collector = pb.start();

            // The collector's first list is its baseline; a restart before it would be taken as history.
            awaitLog(work.resolve("collector.log"), "watching", collector, Duration.ofMinutes(3));
            try (LatencyProbe.Detections detections = new LatencyProbe.Detections(bootstrap, topics)) {
                for (int i = 0; i < total; i++) {
                    if (i == WARM_UP) {
                        System.err.println("latency: " + detections.awaitSeen(WARM_UP, Duration.ofMinutes(2))
                                + " warm-up restart(s) seen; measuring " + restarts);
                        detections.reset();
                    }
                    final Pod pod = api.pods().inNamespace(NAMESPACE).withName(pod(i)).get();
                    pod.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder(
                            pod.getStatus().getContainerStatuses().get(0)).withRestartCount(1)
                            .withNewLastState().withNewTerminated().withReason("Error").withExitCode(1)
                            .withFinishedAt(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                            .endTerminated().endLastState().build()));
                    detections.sending(pod(i));
                    api.pods().inNamespace(NAMESPACE).resource(pod).updateStatus();
                    Thread.sleep(gapMs);
                }
                detections.awaitSeen(restarts, Duration.ofMinutes(1));
                result = detections.result(restarts);
            }
        } finally {
            if (collector != null) {
                collector.destroy();
                collector.waitFor(30, TimeUnit.SECONDS);
            }
            kube.destroy();
        }
        if (result.latenciesMs().isEmpty()) {
            System.out.println("restart → incident: none of " + restarts + " restarts reached the incidents topic");
            System.exit(1);
        }
        System.out.printf("restart → incident through collect kubernetes: %s (restarts %d ms apart)%n", result.summary(),
                gapMs);
        System.exit(result.latenciesMs().size() == restarts ? 0 : 1);
    }

    private static String pod(int i) {
        return String.format("probe-%04d", i);
    }

    private static void awaitLog(Path log, String text, Process process, Duration wait) throws Exception {
        final long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("collect kubernetes exited " + process.exitValue() + ": "
                        + Files.readString(log));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("collect kubernetes did not start watching within " + wait.toSeconds() + " s");
    }
}
