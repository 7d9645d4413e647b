package io.incidentcorrelator.cli;

import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.testsupport.IncidentExpectations;
import io.incidentcorrelator.testsupport.TestKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kafka client security and secret handling, end to end: {@code correlator replay} in its own JVM,
 * configured only through the environment (SASL/PLAIN with the JAAS config in a file, registry
 * basic auth in a file), against a broker that accepts SASL_PLAINTEXT only. With the right
 * password the scenario's incidents come out; with a wrong one the command fails at once saying
 * authentication failed. Everything the process printed, at INFO for Kafka (which logs every
 * client's configuration), must not contain any secret. Credentials are made up per run.
 */
class SecurityIT {

    private static final String SCENARIO = "backup-window-scheduler";

    private static final String ADMIN = "admin-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String ADMIN_PASSWORD = UUID.randomUUID().toString();
    private static final String APP = "correlator-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String APP_PASSWORD = UUID.randomUUID().toString();
    private static final String REGISTRY_USER_INFO = "svc-correlator:" + UUID.randomUUID();

    private static TestKafka kafka;
    private static EmbeddedSchemaRegistryServer registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        kafka = TestKafka.startSaslPlain(ADMIN, Map.of(ADMIN, ADMIN_PASSWORD, APP, APP_PASSWORD));
        registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry("mock://security-it"));
    }

    @AfterAll
    static void stop() {
        registry.close();
        kafka.close();
    }

    private record Run(int exitCode, String output, double seconds) {
    }

    @Test
    void aReplayWithTheRightCredentialsWorksAndLogsNoSecret() throws Exception {
        final Path out = dir.resolve("incidents.jsonl");
        final Run run = replay(APP_PASSWORD, out);
        assertEquals(0, run.exitCode(), run.output());
        assertEquals(List.of(), IncidentExpectations.problems(IncidentExpectations.expectedFor(SCENARIO),
                Files.readString(out)), "the scenario's incidents, read and written through SASL");
        assertTrue(run.output().contains("sasl.jaas.config = [hidden]"),
                "Kafka logged the client configuration, so the grep below means something");
        assertNoSecret(run.output(), APP_PASSWORD);
        System.out.printf("secure replay: %.1f s, %d bytes of output checked%n", run.seconds(), run.output().length());
    }

    @Test
    void aWrongPasswordFailsWithAClearMessageAndIsNotLoggedEither() throws Exception {
        final String wrong = UUID.randomUUID().toString();
        final Run run = replay(wrong, dir.resolve("none.jsonl"));
        assertNotEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("Authentication failed"), run.output());
        assertTrue(run.seconds() < 60, "fails at once rather than retrying: " + run.seconds() + " s");
        assertNoSecret(run.output(), wrong);
        System.out.printf("wrong password: exit %d after %.1f s; last line: %s%n", run.exitCode(), run.seconds(),
                run.output().strip().lines().reduce((a, b) -> b).orElse(""));
    }

    private static void assertNoSecret(String output, String kafkaPassword) {
        final String registryPassword = REGISTRY_USER_INFO.substring(REGISTRY_USER_INFO.indexOf(':') + 1);
        final Map<String, String> secrets = Map.of(
                "Kafka password", kafkaPassword,
                "registry password", registryPassword,
                "registry Authorization header", Base64.getEncoder().encodeToString(
                        REGISTRY_USER_INFO.getBytes(StandardCharsets.UTF_8)),
                "broker admin password", ADMIN_PASSWORD);
        secrets.forEach((what, secret) -> assertFalse(output.contains(secret), "the " + what + " was logged"));
    }

    /** {@code correlator replay} in a child JVM, configured through the environment and secret files only. */
    private Run replay(String password, Path out) throws IOException, InterruptedException {
        final Path jaas = Files.writeString(dir.resolve("kafka-jaas-" + UUID.randomUUID()),
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + APP + "\" password=\""
                        + password + "\";\n");
        final Path registryAuth = Files.writeString(dir.resolve("registry-auth"), REGISTRY_USER_INFO + "\n");
        final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // More than the defaults: Kafka prints every client's configuration at INFO.
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.StreamsConfig=info",
                "-Dorg.slf4j.simpleLogger.log.io.incidentcorrelator=debug",
                "-jar", Path.of("target", "incident-correlator.jar").toAbsolutePath().toString(),
                "replay", "--out", out.toString(),
                Path.of("src", "main", "resources", "scenarios", SCENARIO + ".jsonl").toAbsolutePath().toString()));
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        final Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("INCIDENT_CORRELATOR_"));
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("KAFKA_SASL_MECHANISM", "PLAIN");
        env.put("KAFKA_SASL_JAAS_CONFIG_FILE", jaas.toString());
        env.put("INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL", registry.url());
        env.put("INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE", registryAuth.toString());
        final Path log = dir.resolve("replay-" + UUID.randomUUID() + ".log");
        pb.redirectOutput(log.toFile());
        final long started = System.nanoTime();
        final Process process = pb.start();
        final boolean finished = process.waitFor(4, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly().waitFor();
        }
        final String output = Files.readString(log);
        if (!finished) {
            fail("correlator replay did not finish within 4 minutes:\n" + output);
        }
        return new Run(process.exitValue(), output, (System.nanoTime() - started) / 1e9);
    }
}
