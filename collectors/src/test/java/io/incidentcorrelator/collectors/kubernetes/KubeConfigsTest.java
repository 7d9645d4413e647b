package io.incidentcorrelator.collectors.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.incidentcorrelator.collectors.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KubeConfigsTest {

    @TempDir
    Path dir;

    @AfterEach
    void forget() {
        System.clearProperty(Config.KUBERNETES_KUBECONFIG_FILE);
    }

    private Path kubeconfig(String clusterSettings) throws Exception {
        return Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: lab
                    cluster:
                      server: https://127.0.0.1:6443
                %s
                contexts:
                  - name: lab
                    context: {cluster: lab, user: ci}
                current-context: lab
                users:
                  - name: ci
                    user: {token: %s}
                """.formatted(clusterSettings, java.util.UUID.randomUUID()));
    }

    @Test
    void aKubeconfigThatSkipsTlsVerificationIsWarnedAbout() throws Exception {
        System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE,
                kubeconfig("      insecure-skip-tls-verify: true").toString());
        try (LogCapture log = LogCapture.start()) {
            KubeConfigs.autoConfigure("lab");
            assertEquals(1, log.linesContaining("SECURITY: the Kubernetes configuration (context lab) turns TLS "
                    + "verification OFF").size(), log.text());
        }
    }

    @Test
    void aVerifyingKubeconfigIsNot() throws Exception {
        System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig("").toString());
        try (LogCapture log = LogCapture.start()) {
            KubeConfigs.autoConfigure("lab");
            assertTrue(log.linesContaining("SECURITY").isEmpty(), log.text());
        }
    }
}
