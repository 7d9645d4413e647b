package io.incidentcorrelator.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx.TlsWarmup;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import org.slf4j.LoggerFactory;

/** The Kubernetes clients the collectors open: kubeconfig context, else the in-cluster service account. */
public final class KubernetesClients {

    private KubernetesClients() {
    }

    /** A pod list with the parts of a pod the collector reads, for {@link #warmUp}. */
    private static final String POD_LIST = """
            {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[
            {"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"n","uid":"u","creationTimestamp":"2026-01-01T00:00:00Z","labels":{"a":"b"},
            "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"r","uid":"v"}]},
            "spec":{"nodeName":"w","containers":[{"name":"c","image":"i","resources":{"limits":{"memory":"1Gi"}}}]},
            "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
            "containerStatuses":[{"name":"c","restartCount":1,"ready":true,"image":"i",
            "state":{"waiting":{"reason":"CrashLoopBackOff","message":"m"}},
            "lastState":{"terminated":{"reason":"Error","exitCode":1,"finishedAt":"2026-01-01T00:00:00Z"}}}]}}]}""";

    /**
     * A client for {@code context} (null: the current one, else in-cluster), warmed up: see
     * {@link #warmUp}.
     */
    public static KubernetesClient forContext(String context) {
        return forConfig(KubeConfigs.autoConfigure(context));
    }

    /** A client for {@code context} (null: the current one) of the kubeconfig {@code file}, warmed up. */
    public static KubernetesClient forKubeconfig(java.nio.file.Path file, String context) {
        return forConfig(KubeConfigs.fromFile(file, context));
    }

    private static KubernetesClient forConfig(Config config) {
        final VertxHttpClientFactory http = new VertxHttpClientFactory();
        // The TLS warm-up is a throw-away loopback handshake: worth it only when the API speaks TLS.
        final String server = config.getMasterUrl();
        http.setTlsWarmup(server != null && server.startsWith("https") ? TlsWarmup.FULL : TlsWarmup.CONTEXT);
        final KubernetesClient client = new KubernetesClientBuilder().withHttpClientFactory(http).withConfig(config)
                .build();
        warmUp(client);
        return client;
    }

    /**
     * fabric8 parses a response on the Vert.x event loop that received it. The first pod list
     * makes Jackson introspect the whole pod model, hundreds of classes loaded and reflected on,
     * which on a small node blocks that loop for seconds: Vert.x's BlockedThreadChecker warning
     * at every start. Parsing a small pod list here, on the caller's thread, does that work first.
     */
    static void warmUp(KubernetesClient client) {
        try {
            client.getKubernetesSerialization().unmarshal(POD_LIST, PodList.class);
            client.getKubernetesSerialization().unmarshal("{\"type\":\"MODIFIED\",\"object\":"
                    + POD_LIST.substring(POD_LIST.indexOf("{\"kind\":\"Pod\""), POD_LIST.lastIndexOf("]")) + "}",
                    WatchEvent.class);
        } catch (RuntimeException e) {
            // Only a warm-up: the real responses are parsed all the same.
            LoggerFactory.getLogger(KubernetesClients.class).debug("Kubernetes model warm-up failed", e);
        }
    }
}
