package io.incidentcorrelator.collectors.kubernetes;

import io.fabric8.kubernetes.client.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one way this project loads a Kubernetes client configuration. */
public final class KubeConfigs {

    private static final Logger LOG = LoggerFactory.getLogger(KubeConfigs.class);

    private KubeConfigs() {
    }

    /**
     * {@code Config.autoConfigure(context)} (kubeconfig, else the in-cluster service account), with a
     * WARN when the kubeconfig turns TLS checks off ({@code insecure-skip-tls-verify: true}): a
     * bearer token then goes to whoever answers.
     */
    public static Config autoConfigure(String context) {
        return checked(Config.autoConfigure(context), context);
    }

    /**
     * {@code context} (null: the current one) of the kubeconfig {@code file}, not the one in
     * {@code KUBECONFIG}: one process may watch clusters from several files. Same warning.
     */
    public static Config fromFile(java.nio.file.Path file, String context) {
        return checked(Config.fromKubeconfig(context, file.toFile()), context);
    }

    private static Config checked(Config config, String context) {
        if (config.isTrustCerts() || config.isDisableHostnameVerification()) {
            LOG.warn("SECURITY: the Kubernetes configuration{} turns TLS verification OFF (insecure-skip-tls-verify): "
                    + "the API server's certificate is not checked. Put its CA in certificate-authority-data instead",
                    context == null ? "" : " (context " + context + ")");
        }
        return config;
    }
}
