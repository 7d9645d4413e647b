package io.incidentcorrelator.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * fabric8's mock API server in CRUD mode, reached through a {@link TcpProxy}, with two additions
 * the CRUD dispatcher lacks: {@code pods/log} answers set per container (404 by default, as for a
 * container without a previous instance), and a switch that ends watches with {@code 410 Gone}.
 *
 * <p>The test plays the kubelet with a client of its own, connected to the server directly: its
 * writes neither share a connection pool with the collector under test nor pass the proxy whose
 * connections a test cuts.
 */
public final class MockKube implements AutoCloseable {

    record LogAnswer(int code, String body) {
    }

    private final Map<String, LogAnswer> logs = new ConcurrentHashMap<>();
    private final AtomicInteger logRequests = new AtomicInteger();
    private final AtomicInteger listRequests = new AtomicInteger();
    private final AtomicInteger watchRequests = new AtomicInteger();
    private final AtomicInteger goneWatches = new AtomicInteger();
    private volatile int answerWatchesGone;
    private final Queue<MockResponse> failedLists = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final KubernetesMockServer server;
    private final TcpProxy proxy;
    private final KubernetesClient client;
    private final KubernetesClient kubelet;

    public MockKube() throws IOException {
        final Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        final KubernetesMixedDispatcher dispatcher = new KubernetesMixedDispatcher(responses) {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                final String path = request.getPath();
                if (path.contains("/log?")) {
                    logRequests.incrementAndGet();
                    return logAnswer(path);
                }
                if (path.contains("watch=true")) {
                    watchRequests.incrementAndGet();
                    if (answerWatchesGone > 0) {
                        answerWatchesGone--;
                        goneWatches.incrementAndGet();
                        return goneEvent();
                    }
                } else if ("GET".equals(request.getMethod()) && path.matches("/api/v1(/namespaces/[^/]+)?/pods(\\?.*)?")) {
                    listRequests.incrementAndGet();
                    final MockResponse failure = failedLists.poll();
                    if (failure != null) {
                        return failure;
                    }
                }
                return super.dispatch(request);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        proxy = new TcpProxy(server.getPort());
        client = newClient();
        kubelet = clientOf(server.getPort());
    }

    /** A client of its own (through the proxy), as a separately started collector would have. */
    KubernetesClient newClient() {
        return clientOf(proxy.port());
    }

    /** A client through the proxy that does not retry a failed request itself (the informer's own retry shows). */
    KubernetesClient newClientWithoutRequestRetries() {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(clientOf(proxy.port()).getConfiguration())
                .withRequestRetryBackoffLimit(0).build()).build();
    }

    private static KubernetesClient clientOf(int port) {
        final Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:" + port)
                .withNamespace("default")
                .withRequestTimeout(5_000)
                .withConnectionTimeout(2_000)
                .withWatchReconnectInterval(50)
                .withWatchReconnectLimit(-1)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** The API's address for a kubeconfig file, through the proxy, as a collector in another process reaches it. */
    public String apiUrl() {
        return "http://127.0.0.1:" + proxy.port();
    }

    /** The collector's client, through the proxy. */
    KubernetesClient client() {
        return client;
    }

    void dropConnections() {
        proxy.dropConnections();
    }

    /** The next {@code n} watches end at once with a 410 Gone event, which forces a relist. */
    void answerNextWatchesGone(int n) {
        answerWatchesGone = n;
    }

    /** The next {@code n} pod lists are answered 200 with a body cut off mid-object. */
    void answerNextListsMalformed(int n) {
        for (int i = 0; i < n; i++) {
            failedLists.add(new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                    .setBody("{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"1\"},"
                            + "\"items\":[{\"metadata\":{\"name\":"));
        }
    }

    /** The next {@code n} pod lists are answered with this status, as the API server words it. */
    void answerNextListsWith(int n, int code, String reason, String message) {
        for (int i = 0; i < n; i++) {
            failedLists.add(status(code, reason, message));
        }
    }

    int goneWatches() {
        return goneWatches.get();
    }

    int listRequests() {
        return listRequests.get();
    }

    int watchRequests() {
        return watchRequests.get();
    }

    int logRequests() {
        return logRequests.get();
    }

    public void setLog(String namespace, String pod, String container, int code, String body) {
        logs.put(namespace + "/" + pod + "/" + container, new LogAnswer(code, body));
    }

    private MockResponse logAnswer(String path) {
        // /api/v1/namespaces/{ns}/pods/{pod}/log?...container={c}&previous=true...
        final String[] parts = path.split("\\?", 2);
        final String[] segments = parts[0].split("/");
        String container = "";
        for (String param : parts[1].split("&")) {
            if (param.startsWith("container=")) {
                container = param.substring("container=".length());
            }
        }
        if (!parts[1].contains("previous=true")) {
            return status(400, "BadRequest", "test expects previous=true");
        }
        final LogAnswer answer = logs.get(segments[4] + "/" + segments[6] + "/" + container);
        if (answer == null) {
            return status(404, "NotFound", "previous terminated container not found");
        }
        return new MockResponse().setResponseCode(answer.code()).setHeader("Content-Type", "text/plain")
                .setBody(answer.body());
    }

    /**
     * What the API server does when a watch's resourceVersion is compacted away: the watch opens,
     * then its first event is an ERROR carrying a 410 Status.
     */
    private static MockResponse goneEvent() {
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws, Response response) {
                ws.send("{\"type\":\"ERROR\",\"object\":" + statusJson(410, "Expired", "too old resource version") + "}");
                ws.close(1000, "gone");
            }
        });
    }

    private static String statusJson(int code, String reason, String message) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
                + message + "\",\"reason\":\"" + reason + "\",\"code\":" + code + "}";
    }

    private static MockResponse status(int code, String reason, String message) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody(statusJson(code, reason, message));
    }

    // ---- pods ----

    public Pod createPod(String namespace, String name, String node, List<String> initContainers, List<String> containers) {
        final PodBuilder b = new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withNodeName(node).endSpec()
                .withNewStatus().endStatus();
        for (String c : initContainers) {
            b.editSpec().addNewInitContainer().withName(c).withImage("busybox").endInitContainer().endSpec();
            b.editStatus().addToInitContainerStatuses(new ContainerStatusBuilder().withName(c).withRestartCount(0).build())
                    .endStatus();
        }
        for (String c : containers) {
            b.editSpec().addNewContainer().withName(c).withImage("busybox").endContainer().endSpec();
            b.editStatus().addToContainerStatuses(new ContainerStatusBuilder().withName(c).withRestartCount(0).build())
                    .endStatus();
        }
        return kubelet.pods().inNamespace(namespace).resource(b.build()).create();
    }

    Pod createPod(String namespace, String name, String container) {
        return createPod(namespace, name, "talos-w-01", List.of(), List.of(container));
    }

    /** Replaces one container's status (init or not) through the status subresource. */
    Pod updateContainer(String namespace, String pod, String container, UnaryOperator<ContainerStatusBuilder> change) {
        final Pod current = kubelet.pods().inNamespace(namespace).withName(pod).get();
        final Pod next = new PodBuilder(current).build();
        replace(next.getStatus().getContainerStatuses(), container, change);
        replace(next.getStatus().getInitContainerStatuses(), container, change);
        return kubelet.pods().inNamespace(namespace).resource(next).updateStatus();
    }

    /** A restart as the kubelet reports it: count up, last state terminated, now back-off. */
    public Pod restart(String namespace, String pod, String container, int count, String reason, int exitCode,
                String finishedAt, String message) {
        return updateContainer(namespace, pod, container, b -> b.withRestartCount(count)
                .withNewLastState().withNewTerminated().withReason(reason).withExitCode(exitCode)
                .withStartedAt("2026-02-26T02:00:00Z").withFinishedAt(finishedAt).withMessage(message)
                .endTerminated().endLastState()
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState());
    }

    void deletePod(String namespace, String pod) {
        kubelet.pods().inNamespace(namespace).withName(pod).delete();
    }

    private static void replace(List<ContainerStatus> statuses, String container,
                                UnaryOperator<ContainerStatusBuilder> change) {
        if (statuses == null) {
            return;
        }
        for (int i = 0; i < statuses.size(); i++) {
            if (container.equals(statuses.get(i).getName())) {
                statuses.set(i, change.apply(new ContainerStatusBuilder(statuses.get(i))).build());
            }
        }
    }

    @Override
    public void close() {
        client.close();
        kubelet.close();
        proxy.close();
        server.destroy();
    }
}
