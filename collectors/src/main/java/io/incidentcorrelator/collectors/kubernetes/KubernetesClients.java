package io.incidentcorrelator.collectors.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx.TlsWarmup;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;

/** The Kubernetes clients the collectors open: kubeconfig context, else the in-cluster service account. */
public final class KubernetesClients {

    private KubernetesClients() {
    }

    /**
     * A client for {@code context} (null: the current one, else in-cluster). The TLS stack is warmed
     * up on this thread: left to the first request, its one-time class loading runs on a Vert.x
     * event loop and, on a small node, trips Vert.x's BlockedThreadChecker warning at every start.
     */
    public static KubernetesClient forContext(String context) {
        final Config config = Config.autoConfigure(context);
        final VertxHttpClientFactory http = new VertxHttpClientFactory();
        // The warm-up is a throw-away loopback handshake: worth it only when the API speaks TLS.
        final String server = config.getMasterUrl();
        http.setTlsWarmup(server != null && server.startsWith("https") ? TlsWarmup.FULL : TlsWarmup.CONTEXT);
        return new KubernetesClientBuilder().withHttpClientFactory(http).withConfig(config).build();
    }
}
