package io.incidentcorrelator.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.incidentcorrelator.cli.CorrelatorCli;
import io.incidentcorrelator.config.ConfigLoader;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * docker-compose.yml against the code: every {@code correlator} command line parses with the
 * real CLI, every setting in the environment is one the app knows, the services find each
 * other at the addresses they listen on, and no secret value is committed.
 */
class DockerComposeTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Subcommands added in parallel (issue 3): their services are checked once the CLI registers them. */
    private static final Set<String> PENDING_SUBCOMMANDS = Set.of("collect", "backfill");

    /** Names that hold secrets by convention; a value for them must come from the user's environment. */
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(SECRET|TOKEN(?!_ID)|PASSWORD|PASSWD|USER_INFO|CREDENTIAL|API_KEY).*");

    /** {@code ${VAR}}, {@code ${VAR:?message}} or {@code ${VAR:-}}: a reference with no default value. */
    private static final Pattern REFERENCE_WITHOUT_DEFAULT = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*(:?\\?[^}]*|:?-)?}");

    /** {@code ${NAME}}, {@code ${NAME:-default}}, {@code ${NAME:?message}} (not nested). */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}$]*))?}");

    private static JsonNode services;
    private static String composeText;
    /** NAME=value lines of .env.example, commented-out ones included (documented, optional). */
    private static Map<String, String> envExample;

    @BeforeAll
    static void read() throws IOException {
        composeText = Files.readString(ROOT.resolve("docker-compose.yml"));
        services = YAML.readTree(composeText).get("services");
        assertNotNull(services, "docker-compose.yml has services");
        envExample = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve(".env.example"))) {
            final Matcher m = Pattern.compile("#?\\s*([A-Z][A-Z0-9_]*)=(.*)").matcher(line.trim());
            if (m.matches()) {
                envExample.put(m.group(1), m.group(2).trim());
            }
        }
    }

    @Test
    void everyVariableTheUserSetsIsDocumentedInEnvExample() {
        final Matcher m = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)").matcher(composeText);
        while (m.find()) {
            if (!m.group(1).equals("HOME")) {
                assertTrue(envExample.containsKey(m.group(1)), "${" + m.group(1) + "} is explained in .env.example");
            }
        }
        envExample.forEach((name, value) -> {
            if (SECRET_NAME.matcher(name).matches()) {
                assertEquals("", value, ".env.example must not hold a value for " + name);
            }
        });
    }

    @Test
    void everyServiceHasAnImageOrABuild() {
        services.fields().forEachRemaining(s ->
                assertTrue(s.getValue().has("image") || s.getValue().has("build"), s.getKey() + ": image or build"));
    }

    @Test
    void theImageRunsTheCorrelatorCommandLine() throws IOException {
        final String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("ENTRYPOINT [\"correlator\"]"), "commands are correlator arguments");
        assertTrue(dockerfile.contains("streams-app/target/incident-correlator.jar"), "the jar the build makes");
        final long built = appServices().values().stream().filter(s -> s.has("build")).count();
        assertEquals(1, built, "one service builds the image, the others reuse its tag");
    }

    @TestFactory
    Stream<DynamicTest> everyCorrelatorCommandParsesWithTheRealCli() {
        return appServices().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            final ParseResult parsed = parse(e.getKey(), e.getValue());
            final Map<String, String> env = env(e.getValue());
            // An option that names an environment variable (--token-secret-env X) needs X set, from the user.
            for (OptionSpec option : parsed.subcommand() == null ? List.<OptionSpec>of() : deepest(parsed).matchedOptions()) {
                if (option.longestName().endsWith("-env")) {
                    final String variable = String.valueOf((Object) option.getValue());
                    assertTrue(env.containsKey(variable), e.getKey() + ": " + option.longestName() + " " + variable
                            + " but the service does not set it");
                    assertNoValue(e.getKey(), variable, env.get(variable));
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> everySettingInTheEnvironmentIsOneTheAppKnows() {
        final Set<String> known = new HashSet<>();
        ConfigLoader.DEFAULTS.keySet().forEach(key -> known.add(ConfigLoader.envName(key)));
        // Read by ConfigLoader for the registry client.
        known.addAll(List.of("INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL",
                "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "INCIDENT_CORRELATOR_AUTO_REGISTER_SCHEMAS"));
        final Set<String> clientConfigs = new HashSet<>(StreamsConfig.configDef().names());
        clientConfigs.addAll(ProducerConfig.configNames());
        clientConfigs.addAll(ConsumerConfig.configNames());
        clientConfigs.addAll(AdminClientConfig.configNames());
        return appServices().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            for (Map.Entry<String, String> v : env(e.getValue()).entrySet()) {
                final String name = v.getKey();
                if (name.startsWith("INCIDENT_CORRELATOR_COLLECT_")) {
                    // The collectors read INCIDENT_CORRELATOR_COLLECT_<OPTION> for their --option.
                    final String option = "--" + name.substring("INCIDENT_CORRELATOR_COLLECT_".length())
                            .toLowerCase(Locale.ROOT).replace('_', '-');
                    final CommandSpec spec = deepest(parse(e.getKey(), e.getValue())).commandSpec();
                    assertNotNull(spec.findOption(option), e.getKey() + ": " + name + " but " + spec.qualifiedName()
                            + " has no " + option);
                } else if (name.startsWith("INCIDENT_CORRELATOR_")) {
                    assertTrue(known.contains(name), e.getKey() + ": unknown setting " + name);
                } else if (name.startsWith("KAFKA_")) {
                    assertTrue(clientConfigs.contains(kafkaKey(name)), e.getKey() + ": " + name + " is no Kafka client "
                            + "or Streams setting (" + kafkaKey(name) + ")");
                }
                if (SECRET_NAME.matcher(name).matches()) {
                    assertNoValue(e.getKey(), name, v.getValue());
                }
            }
        }));
    }

    @Test
    void theBrokerSettingsAreBrokerSettings() {
        final Set<String> brokerConfigs = kafka.server.KafkaConfig.configDef().names();
        env(kafkaService().getValue()).keySet().stream().filter(n -> n.startsWith("KAFKA_")).forEach(n ->
                assertTrue(brokerConfigs.contains(kafkaKey(n)), n + " is no broker setting (" + kafkaKey(n) + ")"));
    }

    @Test
    void theServicesReachKafkaAndTheRegistryWhereTheyListen() {
        final Map.Entry<String, JsonNode> kafka = kafkaService();
        final Map<String, String> broker = env(kafka.getValue());
        final Map<String, String> listeners = listeners(broker.get("KAFKA_LISTENERS"));
        final Map<String, String> advertised = listeners(broker.get("KAFKA_ADVERTISED_LISTENERS"));
        final String internal = broker.get("KAFKA_INTER_BROKER_LISTENER_NAME");
        final String internalAddress = advertised.get(internal);
        assertEquals(kafka.getKey() + ":" + port(listeners.get(internal)), internalAddress,
                "the internal listener is advertised under the service name and the port it listens on");
        final String controller = broker.get("KAFKA_CONTROLLER_LISTENER_NAMES");
        assertEquals("1@" + kafka.getKey() + ":" + port(listeners.get(controller)), broker.get("KAFKA_CONTROLLER_QUORUM_VOTERS"));
        // The published port is the one advertised to the host.
        for (JsonNode published : kafka.getValue().path("ports")) {
            final String[] hostContainer = published.asText().split(":");
            final String external = advertised.entrySet().stream().filter(a -> !a.getKey().equals(internal))
                    .map(Map.Entry::getValue).filter(a -> a.endsWith(":" + hostContainer[0])).findFirst().orElse(null);
            assertNotNull(external, "port " + published.asText() + " is advertised to the host");
            assertEquals(port(listeners.get(advertised.entrySet().stream()
                    .filter(a -> a.getValue().equals(external)).findFirst().orElseThrow().getKey())), hostContainer[1]);
        }

        final Map.Entry<String, JsonNode> registry = service("confluentinc/cp-schema-registry");
        final Map<String, String> registryEnv = env(registry.getValue());
        assertEquals("PLAINTEXT://" + internalAddress, registryEnv.get("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"));
        final String registryUrl = "http://" + registry.getKey() + ":" + port(registryEnv.get("SCHEMA_REGISTRY_LISTENERS"));

        appServices().forEach((name, service) -> {
            final Map<String, String> env = env(service);
            assertEquals(internalAddress, env.get("KAFKA_BOOTSTRAP_SERVERS"), name + ": Kafka's internal listener");
            assertEquals(registryUrl, env.get("INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL"), name + ": the registry");
        });
    }

    @Test
    void filesMountedFromTheRepositoryExist() {
        services.fields().forEachRemaining(s -> s.getValue().path("volumes").forEach(v -> {
            final String source = v.asText().split(":")[0];
            if (source.startsWith("./")) {
                assertTrue(Files.exists(ROOT.resolve(source)), s.getKey() + ": " + source + " is in the repository");
            }
        }));
    }

    @Test
    void prometheusScrapesThePortTheCorrelatorServesMetricsOn() throws IOException {
        final JsonNode config = YAML.readTree(ROOT.resolve("deploy/compose/prometheus.yml").toFile());
        final List<String> targets = new ArrayList<>();
        config.path("scrape_configs").forEach(job -> job.path("static_configs")
                .forEach(sc -> sc.path("targets").forEach(t -> targets.add(t.asText()))));
        assertFalse(targets.isEmpty());
        final boolean runServesMetrics = new CommandLine(new CorrelatorCli()).getSubcommands().get("run")
                .getCommandSpec().findOption("--health-port") != null;
        for (String target : targets) {
            final String[] hostPort = target.split(":");
            final JsonNode service = services.get(hostPort[0]);
            assertNotNull(service, target + ": a service of the stack");
            assumeTrue(runServesMetrics, "correlator run has no --health-port yet (added in parallel)");
            final List<String> command = command(service);
            final int at = command.indexOf("--health-port");
            assertTrue(at >= 0 && command.get(at + 1).equals(hostPort[1]),
                    hostPort[0] + " serves metrics on " + hostPort[1] + ": its command needs --health-port " + hostPort[1]);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** The services that run this project's image. */
    private static Map<String, JsonNode> appServices() {
        final Map<String, JsonNode> app = new LinkedHashMap<>();
        services.fields().forEachRemaining(s -> {
            if (s.getValue().has("build") || s.getValue().path("image").asText().startsWith("incident-correlator:")) {
                app.put(s.getKey(), s.getValue());
            }
        });
        assertFalse(app.isEmpty());
        return app;
    }

    private static ParseResult parse(String name, JsonNode service) {
        final List<String> args = command(service);
        assertFalse(args.isEmpty(), name + ": a command");
        final CommandLine cli = new CommandLine(new CorrelatorCli());
        if (!cli.getSubcommands().containsKey(args.get(0))) {
            assumeTrue(!PENDING_SUBCOMMANDS.contains(args.get(0)),
                    name + ": `correlator " + args.get(0) + "` is not registered yet (added in parallel)");
            fail(name + ": `correlator " + args.get(0) + "` is no subcommand");
        }
        try {
            return cli.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new AssertionError(name + ": `correlator " + String.join(" ", args) + "`: " + e.getMessage(), e);
        }
    }

    private static ParseResult deepest(ParseResult parsed) {
        ParseResult r = parsed;
        while (r.subcommand() != null) {
            r = r.subcommand();
        }
        return r;
    }

    /** The command as compose runs it, with the user's variables as .env.example has them (else their default). */
    private static List<String> command(JsonNode service) {
        final List<String> args = new ArrayList<>();
        service.path("command").forEach(a -> args.add(VARIABLE.matcher(a.asText()).replaceAll(v -> {
            final String example = envExample.getOrDefault(v.group(1), "");
            final String value = !example.isEmpty() ? example
                    : v.group(2) != null && v.group(2).endsWith("-") && !v.group(3).isEmpty() ? v.group(3) : "example";
            return Matcher.quoteReplacement(value);
        })));
        return args;
    }

    private static Map<String, String> env(JsonNode service) {
        final Map<String, String> env = new LinkedHashMap<>();
        service.path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    private static Map.Entry<String, JsonNode> kafkaService() {
        return service("apache/kafka:");
    }

    private static Map.Entry<String, JsonNode> service(String imagePrefix) {
        final List<Map.Entry<String, JsonNode>> found = new ArrayList<>();
        services.fields().forEachRemaining(s -> {
            if (s.getValue().path("image").asText().startsWith(imagePrefix)) {
                found.add(s);
            }
        });
        assertEquals(1, found.size(), "one service with image " + imagePrefix + "*");
        return found.get(0);
    }

    /** {@code KAFKA_BOOTSTRAP_SERVERS} → {@code bootstrap.servers}, as ConfigLoader and the Kafka image map them. */
    private static String kafkaKey(String variable) {
        return variable.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** {@code NAME://host:port,...} → name → host:port. */
    private static Map<String, String> listeners(String value) {
        final Map<String, String> byName = new LinkedHashMap<>();
        for (String listener : value.split(",")) {
            final Matcher m = Pattern.compile("([A-Z_]+)://(.*)").matcher(listener.trim());
            assertTrue(m.matches(), listener);
            byName.put(m.group(1), m.group(2));
        }
        return byName;
    }

    private static String port(String address) {
        return address.substring(address.lastIndexOf(':') + 1);
    }

    private static void assertNoValue(String service, String variable, String value) {
        assertTrue(value != null && REFERENCE_WITHOUT_DEFAULT.matcher(value.trim()).matches(), service + ": " + variable
                + " is a secret: its value must come from the user's environment or .env as ${" + variable
                + "} (no default), not be written here");
    }
}
