package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.replay.ScenarioReader;
import io.incidentcorrelator.topics.Topic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code correlator collect ...} in-process: what --print shows, settings, help, usage errors. */
class CollectCommandTest {

    record Run(int exitCode, String stdout, String stderr) {
    }

    /** Runs the CLI with stdout and stderr captured (picocli and the log both write to System.out / err). */
    static Run correlator(String... args) {
        final PrintStream out = System.out;
        final PrintStream err = System.err;
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            final int code = CorrelatorCli.execute(args);
            return new Run(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    static List<ScenarioEvent> replayable(String lines) throws Exception {
        return new ScenarioReader().read("stdout", new StringReader(lines));
    }

    @Test
    void inventoryPrintsPlacementsAndStorageLocations(@TempDir Path dir) throws Exception {
        final Path yaml = Files.writeString(dir.resolve("inventory.yaml"), """
                clusters:
                  prod:
                    nodes:
                      talos-cp-01: {host: ruapehu, vmid: 201, role: control-plane}
                      talos-worker-01: ruapehu
                storage:
                  pbs-main: pihanga
                """);
        final Run r = correlator("collect", "inventory", "--file", yaml.toString(), "--print", "--once");

        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("""
                {"topic":"storage-locations","key":"pbs-main","value":{"storage":"pbs-main","host":"pihanga"}}
                {"topic":"inventory","key":"prod/talos-cp-01","value":{"cluster":"prod","node":"talos-cp-01","host":"ruapehu","vmid":201,"role":"control-plane"}}
                {"topic":"inventory","key":"prod/talos-worker-01","value":{"cluster":"prod","node":"talos-worker-01","host":"ruapehu"}}
                """, r.stdout());
        assertEquals(3, replayable(r.stdout()).size());
    }

    @Test
    void aBrokenInventoryIsAUsageErrorNamingFileAndField(@TempDir Path dir) throws Exception {
        final Path yaml = Files.writeString(dir.resolve("inventory.yaml"), """
                clusters:
                  prod:
                    nodes:
                      talos-cp-01: {host: ruapehu, vmid: two}
                """);
        final Run r = correlator("collect", "inventory", "--file", yaml.toString(), "--print", "--once");

        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("inventory.yaml") && r.stderr().contains("vmid"), r.stderr());
        assertEquals("", r.stdout());
    }

    @Test
    void proxmoxMemoryPrintsHostAndGuestSamplesOnce(@TempDir Path dir) throws Exception {
        final WireMockServer pve = LoopbackWireMock.start();
        try {
            final String secret = UUID.randomUUID().toString(); // made up per run
            final String header = "PVEAPIToken=collector@pve!correlator=" + secret;
            pve.stubFor(get(urlPathEqualTo("/api2/json/nodes")).withHeader("Authorization", equalTo(header))
                    .willReturn(okJson("""
                            {"data":[{"node":"ruapehu","status":"online","cpu":0.0421,"maxcpu":32,"mem":118383054848,
                              "maxmem":134850203648,"uptime":1234567,"id":"node/ruapehu","type":"node","level":""}]}""")));
            pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/status")).withHeader("Authorization", equalTo(header))
                    .willReturn(okJson("""
                            {"data":{"cpu":0.0421,"wait":0.0087,"uptime":1234567,"loadavg":["1.52","1.31","1.20"],
                             "memory":{"total":134850203648,"used":118383054848,"free":16467148800},
                             "swap":{"total":8589930496,"used":0,"free":8589930496},
                             "pveversion":"pve-manager/9.0.3/025864202ebb6109","pressurememorysome":3.25}}""")));
            pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu")).withHeader("Authorization", equalTo(header))
                    .willReturn(okJson("""
                            {"data":[{"vmid":201,"name":"talos-cp-01","status":"running","cpus":4,"maxmem":8589934592,
                                      "mem":6120000000,"cpu":0.1234,"uptime":864000},
                                     {"vmid":900,"name":"debian-12-template","status":"stopped","template":1}]}""")));
            pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/qemu/201/status/current"))
                    .withHeader("Authorization", equalTo(header)).willReturn(okJson("""
                            {"data":{"vmid":201,"name":"talos-cp-01","status":"running","qmpstatus":"running","cpus":4,
                             "cpu":0.1234,"mem":6120000000,"maxmem":8589934592,"balloon":6442450944,
                             "ballooninfo":{"actual":6442450944,"max_mem":8589934592,"free_mem":108434944},
                             "pressurememorysome":12.5,"pressurememoryfull":3.1,"uptime":864000}}""")));
            final Path secretFile = Files.writeString(dir.resolve("token-secret"), secret + "\n");

            final Run r = correlator("collect", "proxmox-memory", "--print", "--once", "--proxmox-url", pve.baseUrl(),
                    "--token-id", "collector@pve!correlator", "--token-secret-file", secretFile.toString());

            assertEquals(0, r.exitCode(), r.stderr());
            final List<ScenarioEvent> events = replayable(r.stdout());
            assertEquals(2, events.size(), r.stdout());
            assertEquals(List.of("ruapehu", "ruapehu/201"), events.stream().map(ScenarioEvent::key).toList());
            assertTrue(events.stream().allMatch(e -> e.topic() == Topic.PROXMOX_MEMORY));
            final MemorySample host = (MemorySample) events.get(0).value();
            assertEquals(118383054848L, host.getMemUsedBytes());
            assertEquals(3.25, host.getMemPressureSomeAvg10());
            final MemorySample guest = (MemorySample) events.get(1).value();
            assertEquals(201, guest.getVmid());
            assertEquals(6442450944L, guest.getBalloonActualBytes());
            assertEquals(8589934592L, guest.getBalloonMaxBytes());
            assertFalse(r.stdout().contains(secret) || r.stderr().contains(secret), "never a secret in output or log");
        } finally {
            pve.stop();
        }
    }

    @Test
    void proxmoxMemoryOnceFailsWhenNothingCouldBeCollected(@TempDir Path dir) throws Exception {
        final Path secretFile = Files.writeString(dir.resolve("token-secret"), UUID.randomUUID().toString());
        final Run r = correlator("collect", "proxmox-memory", "--print", "--once", "--proxmox-url",
                "http://127.0.0.1:9", "--token-id", "collector@pve!correlator", "--token-secret-file",
                secretFile.toString(), "--node", "ruapehu", "--timeout", "2s");

        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("collect proxmox-memory: proxmox-memory 127.0.0.1:9 node ruapehu failed: "
                + "GET /nodes/ruapehu/status on 127.0.0.1:9: cannot connect"), r.stderr());
    }

    @Test
    void inventoryOnceFailsWhenDiscoveryCannotReachProxmoxEvenIfTheFileWasSent(@TempDir Path dir) throws Exception {
        final Path yaml = Files.writeString(dir.resolve("inventory.yaml"), """
                clusters:
                  prod:
                    nodes:
                      talos-cp-01: {host: ruapehu, vmid: 201, role: control-plane}
                """);
        final Path secretFile = Files.writeString(dir.resolve("token-secret"), UUID.randomUUID().toString());
        final Run r = correlator("collect", "inventory", "--print", "--once", "--file", yaml.toString(), "--discover",
                "--cluster", "prod", "--kube-node", "talos-w-01", "--proxmox-url", "http://127.0.0.1:9",
                "--token-id", "collector@pve!correlator", "--token-secret-file", secretFile.toString());
        assertEquals(1, r.exitCode(), r.stderr());
        assertEquals(1, replayable(r.stdout()).size(), "what the file says is still sent: " + r.stdout());
        assertTrue(r.stderr().contains("collect inventory: inventory discovery: Proxmox guests failed: discovery "
                + "skipped, Proxmox guests could not be listed: GET /cluster/resources"), r.stderr());
    }

    @Test
    void missingSettingsAreUsageErrorsThatSayWhereToSetThem() {
        final Run r = correlator("collect", "etcd", "--print", "--once", "--endpoint", "http://127.0.0.1:2381");
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("--cluster is required (or set INCIDENT_CORRELATOR_COLLECT_CLUSTER"), r.stderr());

        final Run token = correlator("collect", "proxmox-memory", "--print", "--once", "--proxmox-url",
                "https://pve.invalid:8006", "--token-id", "collector@pve!correlator",
                "--token-secret-env", "INCIDENT_CORRELATOR_TEST_UNSET_" + UUID.randomUUID().toString().substring(0, 8));
        assertEquals(2, token.exitCode());
        assertTrue(token.stderr().contains("is not set"), token.stderr());

        final Run kafka = correlator("collect", "etcd", "--once", "--cluster", "prod", "--endpoint",
                "http://127.0.0.1:2381");
        assertEquals(2, kafka.exitCode());
        assertTrue(kafka.stderr().contains("no Kafka cluster"), kafka.stderr());

        assertEquals(2, correlator("collect").exitCode());
        assertEquals(2, correlator("collect", "etcd", "--no-such-option").exitCode());
    }

    @Test
    void settingsComeFromTheCommandLineThenTheEnvironmentThenTheFile(@TempDir Path dir) throws Exception {
        final Path file = Files.writeString(dir.resolve("correlator.properties"), """
                incident-correlator.collect.cluster=from-file
                incident-correlator.collect.interval=45s
                incident-correlator.collect.endpoint=http://a:2381, b=http://b:2381
                incident-correlator.grouping-gap=20m
                """);
        final CollectorSettings settings = new CollectorSettings(ConfigLoader.load(file, Map.of()),
                Map.of("INCIDENT_CORRELATOR_COLLECT_INTERVAL", "20s"));

        assertEquals("from-cli", settings.get("from-cli", "cluster"));
        assertEquals("from-file", settings.get(null, "cluster"));
        assertEquals(Duration.ofSeconds(20), settings.duration(null, "interval", Duration.ofSeconds(15)));
        assertEquals(List.of("http://a:2381", "b=http://b:2381"), settings.list(null, "endpoint"));
        assertEquals(Duration.ofMinutes(1), settings.duration(null, "timeout", Duration.ofMinutes(1)));
    }

    /** Every collector option that is a setting says which environment variable sets it. */
    @Test
    void helpNamesTheEnvironmentVariableOfEverySetting() {
        final Set<String> notSettings = Set.of("--help", "--version", "--print", "--once", "--topic", "--storage-topic",
                "--config", "--bootstrap-servers", "--schema-registry-url", "--token-secret-env", "--since", "--until",
                "--out", "--prometheus-url", "--prometheus-cluster", "--prometheus-selector", "--prometheus-step");
        final CommandLine root = new CommandLine(new CorrelatorCli());
        final List<CommandSpec> commands = new ArrayList<>(root.getSubcommands().get("collect").getSubcommands()
                .values().stream().map(CommandLine::getCommandSpec).toList());
        commands.add(root.getSubcommands().get("backfill").getCommandSpec());
        final List<String> undocumented = new ArrayList<>();
        for (CommandSpec command : commands) {
            for (OptionSpec option : command.options()) {
                final String name = option.longestName();
                final String text = String.join(" ", option.description());
                if (!notSettings.contains(name) && !text.contains(CollectorSettings.envName(name.substring(2)))) {
                    undocumented.add(command.qualifiedName() + " " + name);
                }
            }
            assertTrue(command.usageMessage().description().length > 0, command.qualifiedName());
        }
        assertEquals(List.of(), undocumented);
    }
}
