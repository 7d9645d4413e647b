package io.incidentcorrelator.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig file for a {@code collect kubernetes} process pointed at fabric8's mock server on loopback. */
public final class MockKubeconfig {

    private MockKubeconfig() {
    }

    /** Writes {@code file}: one context named {@code cluster}, plain HTTP to the mock server's {@code port}. */
    public static Path write(Path file, String cluster, int port) throws IOException {
        return Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: %1$s
                  cluster: {server: "http://127.0.0.1:%2$d"}
                users:
                - name: collector
                  user: {token: not-a-secret-mock-server}
                contexts:
                - name: %1$s
                  context: {cluster: %1$s, user: collector, namespace: default}
                current-context: %1$s
                """.formatted(cluster, port));
    }
}
