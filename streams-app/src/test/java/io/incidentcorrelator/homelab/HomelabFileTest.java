package io.incidentcorrelator.homelab;

import io.incidentcorrelator.cli.CorrelatorCli;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code homelab.yaml}: the shipped example reads; every bad line is one message naming the key and the form. */
class HomelabFileTest {

    private static final Path EXAMPLE = Path.of("..", "deploy", "homelab.example.yaml");

    @TempDir
    Path dir;

    @BeforeEach
    void filesTheExampleNames() throws IOException {
        Files.writeString(dir.resolve("proxmox-token-secret"), UUID.randomUUID() + "\n");
        Files.writeString(dir.resolve("hook-tokens"), "pve1 " + UUID.randomUUID() + "\npve2 " + UUID.randomUUID()
                + "\n");
        Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\n");
        Files.writeString(dir.resolve("pve-root-ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Files.writeString(dir.resolve("etcd-apps-ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Files.writeString(dir.resolve("inventory.yaml"), """
                clusters:
                  monit:
                    nodes:
                      talos-cp-01: {host: pve1, vmid: 201, role: control-plane}
                storage:
                  pbs-main: pve2
                """);
    }

    /** The example, with the CA file it names on a Proxmox host moved next to it. */
    private String example() throws IOException {
        return Files.readString(EXAMPLE).replace("/etc/pve/pve-root-ca.pem", "pve-root-ca.pem");
    }

    @Test
    void theShippedExampleReadsAsItSays() throws IOException {
        final Homelab h = HomelabFile.parse(dir.resolve("homelab.yaml"), example());
        assertEquals(Path.of("/var/lib/incident-correlator"), h.box().dataDir());
        assertEquals("127.0.0.1:9092", h.box().brokerListen());
        final Homelab.Proxmox pve = h.proxmox().orElseThrow();
        assertEquals(dir.resolve("proxmox-token-secret"), pve.tokenFile(), "relative to the file's directory");
        assertEquals(Duration.ofHours(1), pve.backupTasks().orElseThrow().lookback());
        assertEquals("0.0.0.0:9477", pve.hook().orElseThrow().listen());
        assertEquals(List.of("monit", "apps"), h.kubernetes().stream().map(Homelab.KubernetesCluster::cluster).toList());
        assertEquals("admin@apps", h.kubernetes().get(1).context());
        assertEquals(dir.resolve("kubeconfig"), h.kubernetes().get(1).kubeconfig());
        assertEquals(3, h.etcd().get(0).endpoints().size());
        assertEquals(dir.resolve("etcd-apps-ca.pem"), h.etcd().get(1).caFile());
        assertEquals(Duration.ofMinutes(5), h.inventory().orElseThrow().interval());
        assertEquals("cluster", h.alertmanager().orElseThrow().clusterLabel());
        assertTrue(h.webhook().isEmpty());
    }

    @Test
    void anInlineInventoryIsReadLikeAFile() {
        final Homelab h = HomelabFile.parse(dir.resolve("homelab.yaml"), """
                inventory:
                  inline:
                    clusters:
                      monit:
                        nodes:
                          talos-cp-01: {host: pve1, vmid: 201}
                    storage: {pbs-main: pve2}
                """);
        assertTrue(h.inventory().orElseThrow().yaml().contains("talos-cp-01"));
        final ConfigException bad = assertThrows(ConfigException.class, () -> HomelabFile.parse(
                dir.resolve("homelab.yaml"), "inventory:\n  inline:\n    clusters: {monit: {nodes: {n1: {hots: pve1}}}}\n"));
        assertTrue(bad.getMessage().contains("inventory.inline") && bad.getMessage().contains("hots"),
                bad.getMessage());
    }

    @Test
    void anUnknownKeyIsNamedWithTheKnownOnes() throws IOException {
        assertEquals(dir.resolve("homelab.yaml") + ": proxmox.backup-tasks.intervall: unknown key (expected: one of "
                        + "interval, lookback, sent-phases-file)",
                error(example().replace("    interval: 30s\n    lookback", "    intervall: 30s\n    lookback")));
        assertEquals(dir.resolve("homelab.yaml") + ": sinks.pagerduty: unknown key (expected: one of alertmanager, "
                + "webhook)", error(example().replace("sinks:\n", "sinks:\n  pagerduty: {}\n")));
    }

    @Test
    void aMissingTokenFileIsNamedWithItsKey() throws IOException {
        Files.delete(dir.resolve("proxmox-token-secret"));
        assertEquals(dir.resolve("homelab.yaml") + ": proxmox.token-file: " + dir.resolve("proxmox-token-secret")
                        + " does not exist (expected: a file holding the API token's secret (the id is token-id))",
                error(example()));
        Files.delete(dir.resolve("hook-tokens"));
        assertTrue(error(example().replace("  token-file: proxmox-token-secret", "  token-file: hook-tokens"))
                .contains("proxmox.token-file: " + dir.resolve("hook-tokens") + " does not exist"));
    }

    @Test
    void aWrongTypeSaysWhatWasFoundAndWhatIsAccepted() throws IOException {
        assertEquals(dir.resolve("homelab.yaml") + ": etcd.clusters.monit.interval: is \"soon\" (expected: a duration "
                + "like 30s, 5m or 1h)", error(example().replace("interval: 15s", "interval: soon")));
        assertEquals(dir.resolve("homelab.yaml") + ": etcd.clusters.monit.endpoints: is \"http://10.0.10.11:2381\" "
                        + "(expected: a list, e.g. [a, b])",
                error(example().replace("endpoints: [http://10.0.10.11:2381, http://10.0.10.12:2381, "
                        + "http://10.0.10.13:2381]", "endpoints: http://10.0.10.11:2381")));
        assertEquals(dir.resolve("homelab.yaml") + ": box.broker-listen: is \"9092\" (expected: HOST:PORT, e.g. "
                + "127.0.0.1:9092 (port 0..65535))", error(example().replace("127.0.0.1:9092", "9092")));
        assertEquals(dir.resolve("homelab.yaml") + ": kubernetes.clusters.apps.logs: is \"nope\" (expected: true or "
                + "false)", error(example().replace("# logs: false", "logs: nope")));
        assertEquals(dir.resolve("homelab.yaml") + ": proxmox: is a list (expected: a mapping of settings)",
                error("proxmox: [a]\n"));
    }

    @Test
    void rulesBetweenKeysAreOneLineToo() throws IOException {
        assertTrue(error(example().replace("  # webhook:\n  #   url-file: webhook-url",
                "  webhook:\n    url-file: hook-tokens")).contains("sinks.webhook.signature-secret-file: no signature "
                + "secret (expected: signature-secret-file: FILE, or unsigned: true"));
        assertTrue(error(example().replaceAll("    token-file: hook-tokens.*\n", "")).contains(
                "proxmox.hook.token-file: is required when the hook listens beyond loopback (0.0.0.0:9477)"));
        assertTrue(error(example().replace("  ca-file: pve-root-ca.pem", "  ca-file: pve-root-ca.pem\n  insecure: true"))
                .contains("proxmox.insecure: ca-file and insecure: true exclude each other"));
        assertTrue(error("").contains("the file is empty"));
        assertTrue(error("box: {data-dir: a\n").contains(dir.resolve("homelab.yaml") + ":"), error("box: {a\n"));
    }

    /** Through the command line: exit 2, one line, and no data dir, broker or registry created. */
    @Test
    void runStopsOnABadFileBeforeAnythingIsStartedOrWritten() throws IOException {
        final Path file = Files.writeString(dir.resolve("homelab.yaml"), example()
                .replace("/var/lib/incident-correlator   #", dir.resolve("data") + "   #")
                .replace("token-file: proxmox-token-secret", "token-file: missing-secret"));
        final StringWriter err = new StringWriter();
        final CommandLine cli = CorrelatorCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(CorrelatorCli.EXIT_USAGE, cli.execute("run", "--embedded", "--config", file.toString()));
        final List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), err.toString());
        assertTrue(lines.get(0).contains("proxmox.token-file: " + dir.resolve("missing-secret") + " does not exist"),
                lines.get(0));
        assertFalse(Files.exists(dir.resolve("data")), "nothing written");
    }

    /** A context the kubeconfig does not have is found before the box starts, like any other bad line. */
    @Test
    void runStopsOnAContextTheKubeconfigDoesNotHave() throws IOException {
        Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: monit
                  cluster: {server: "https://127.0.0.1:6443"}
                contexts:
                - name: admin@monit
                  context: {cluster: monit, user: admin@monit}
                current-context: admin@monit
                users:
                - name: admin@monit
                  user: {}
                """);
        final Path file = Files.writeString(dir.resolve("homelab.yaml"), """
                box: {data-dir: data, broker-listen: 127.0.0.1:0, registry-listen: 127.0.0.1:0}
                kubernetes:
                  kubeconfig: kubeconfig
                  clusters:
                    apps: {context: admin@apps}
                """);
        final StringWriter err = new StringWriter();
        final CommandLine cli = CorrelatorCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(CorrelatorCli.EXIT_USAGE, cli.execute("run", "--embedded", "--config", file.toString()));
        assertEquals(List.of("correlator: " + file + ": kubernetes.clusters.apps.context: " + dir.resolve("kubeconfig")
                + " has no context \"admin@apps\" (expected: one of admin@monit)"), err.toString().lines().toList());
        assertFalse(Files.exists(dir.resolve("data")), "nothing written");
    }

    /** The file's data dir is the embedded box's: without --embedded that is said, naming the key. */
    @Test
    void aDataDirInTheFileNeedsTheEmbeddedBox() throws IOException {
        final Path file = Files.writeString(dir.resolve("homelab.yaml"), "box: {data-dir: data}\n");
        final StringWriter err = new StringWriter();
        final CommandLine cli = CorrelatorCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(CorrelatorCli.EXIT_USAGE, cli.execute("run", "--config", file.toString()));
        assertEquals(List.of("run: " + file + ": box.data-dir is the embedded box's directory; add --embedded (or use "
                + "--state-dir with a Kafka cluster)"), err.toString().lines().toList());
        assertFalse(Files.exists(dir.resolve("data")), "nothing written");
    }

    /** The other commands read properties files: a homelab file there is named as such, not as 40 unknown keys. */
    @Test
    void otherCommandsSayTheHomelabFileIsRunsOnly() throws IOException {
        final Path file = Files.writeString(dir.resolve("homelab.yaml"), example());
        final StringWriter err = new StringWriter();
        final CommandLine cli = CorrelatorCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(CorrelatorCli.EXIT_USAGE, cli.execute("incidents", "tail", "--config", file.toString()));
        assertTrue(err.toString().contains(file + " is a homelab file: only `run` reads it"), err.toString());
    }

    private String error(String yaml) {
        return assertThrows(ConfigException.class, () -> HomelabFile.parse(dir.resolve("homelab.yaml"), yaml))
                .getMessage();
    }
}
