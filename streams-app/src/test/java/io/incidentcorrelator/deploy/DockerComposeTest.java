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

/**
 * docker-compose.yml against the code: every {@code correlator} command line parses with the
 * real CLI, every setting in the environment is one the app knows, the services find each
 * other at the addresses they listen on, and no secret value is committed.
 */
class DockerComposeTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

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
            // HOST_PORT:CONTAINER_PORT or HOST_IP:HOST_PORT:CONTAINER_PORT; the broker is published on loopback only.
            final String[] parts = published.asText().split(":");
            final String[] hostContainer = {parts[parts.length - 2], parts[parts.length - 1]};
            assertEquals(3, parts.length, published.asText() + ": Kafka has no authentication, publish it on 127.0.0.1");
            assertEquals("127.0.0.1", parts[0], published.asText() + ": Kafka has no authentication, publish it on 127.0.0.1");
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
        for (String target : targets) {
            final String[] hostPort = target.split(":");
            final JsonNode service = services.get(hostPort[0]);
            assertNotNull(service, target + ": a service of the stack");
            final List<String> command = command(service);
            final int at = command.indexOf("--health-port");
            assertTrue(at >= 0 && command.get(at + 1).equals(hostPort[1]),
                    hostPort[0] + " serves metrics on " + hostPort[1] + ": its command needs --health-port " + hostPort[1]);
        }
    }

    /** Loopback is run's default: in a container a served port must be bound to all addresses. */
    @TestFactory
    Stream<DynamicTest> everyPortAContainerServesIsBoundBeyondItsLoopback() {
        final Map<String, List<String>> commands = new LinkedHashMap<>();
        appServices().forEach((name, service) -> commands.put("compose " + name, command(service)));
        kubernetesContainers().forEach((name, container) -> commands.put("kubernetes " + name, args(container)));
        return commands.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            final List<String> args = e.getValue();
            for (String[] portAndBind : new String[][]{{"--health-port", "--health-bind"}, {"--port", "--web-bind"}}) {
                if (args.contains(portAndBind[0])) {
                    final int at = args.indexOf(portAndBind[1]);
                    assertTrue(at >= 0 && args.get(at + 1).equals("0.0.0.0"), e.getKey() + ": " + portAndBind[0]
                            + " in a container needs " + portAndBind[1] + " 0.0.0.0 (run binds 127.0.0.1 by default)");
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyKubernetesCommandParsesWithTheRealCliAndItsPortsAreDeclared() {
        return kubernetesContainers().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            final JsonNode container = e.getValue();
            assertEquals("correlator", container.path("command").path(0).asText(), e.getKey() + ": the launcher");
            final List<String> args = args(container);
            try {
                new CommandLine(new CorrelatorCli()).parseArgs(args.toArray(String[]::new));
            } catch (CommandLine.ParameterException ex) {
                throw new AssertionError(e.getKey() + ": `correlator " + String.join(" ", args) + "`: " + ex.getMessage(), ex);
            }
            final Map<String, String> declared = new LinkedHashMap<>();
            container.path("ports").forEach(p -> declared.put(p.path("name").asText(), p.path("containerPort").asText()));
            for (String[] option : new String[][]{{"--health-port", "health"}, {"--port", "web"}}) {
                final int at = args.indexOf(option[0]);
                if (at >= 0) {
                    assertEquals(args.get(at + 1), declared.get(option[1]), e.getKey() + ": container port "
                            + option[1] + " is " + option[0]);
                }
            }
            for (String probe : List.of("livenessProbe", "readinessProbe")) {
                final JsonNode port = container.path(probe).path("httpGet").path("port");
                if (!port.isMissingNode()) {
                    assertTrue(declared.containsKey(port.asText()), e.getKey() + ": " + probe + " uses a declared port");
                }
            }
            final Set<String> known = new HashSet<>();
            ConfigLoader.DEFAULTS.keySet().forEach(key -> known.add(ConfigLoader.envName(key)));
            known.addAll(List.of("INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL", "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"));
            container.path("env").forEach(v -> {
                final String name = v.path("name").asText();
                if (name.startsWith("INCIDENT_CORRELATOR_")) {
                    assertTrue(known.contains(name), e.getKey() + ": unknown setting " + name);
                }
            });
        }));
    }

    @Test
    void theStatefulSetHasItsHeadlessServiceAndAdvertisesItsWebView() throws IOException {
        final List<JsonNode> docs = kubernetesDocuments();
        final JsonNode set = docs.stream().filter(d -> d.path("kind").asText().equals("StatefulSet")).findFirst()
                .orElseThrow(() -> new AssertionError("deploy/kubernetes has the correlator's StatefulSet"));
        final String serviceName = set.path("spec").path("serviceName").asText();
        final String namespace = set.path("metadata").path("namespace").asText();
        final JsonNode service = docs.stream().filter(d -> d.path("kind").asText().equals("Service")
                        && d.path("metadata").path("name").asText().equals(serviceName))
                .findFirst().orElseThrow(() -> new AssertionError("the StatefulSet's serviceName " + serviceName
                        + " is a Service in deploy/kubernetes"));
        assertEquals(namespace, service.path("metadata").path("namespace").asText(), "the same namespace");
        assertEquals("None", service.path("spec").path("clusterIP").asText(), "headless: one DNS name per replica");
        final JsonNode podLabels = set.path("spec").path("template").path("metadata").path("labels");
        service.path("spec").path("selector").fields().forEachRemaining(s ->
                assertEquals(s.getValue().asText(), podLabels.path(s.getKey()).asText(), "the Service selects the pods"));

        final JsonNode container = set.path("spec").path("template").path("spec").path("containers").get(0);
        final List<String> args = args(container);
        assertEquals("run", args.get(0));
        final int port = args.indexOf("--port");
        assertTrue(port >= 0, "the StatefulSet serves the web view (--port)");
        final Set<String> servicePorts = new HashSet<>();
        service.path("spec").path("ports").forEach(p -> servicePorts.add(p.path("targetPort").asText()));
        assertTrue(servicePorts.contains("web"), "the Service exposes the web view");
        final int advertised = args.indexOf("--advertised-host");
        assertTrue(advertised >= 0, "other replicas reach this one's web view: --advertised-host");
        final String host = args.get(advertised + 1);
        assertEquals("$(POD_NAME)." + serviceName + "." + namespace + ".svc", host,
                "the pod's name in the headless Service");
        final boolean podName = java.util.stream.StreamSupport.stream(container.path("env").spliterator(), false)
                .anyMatch(v -> v.path("name").asText().equals("POD_NAME")
                        && v.path("valueFrom").path("fieldRef").path("fieldPath").asText().equals("metadata.name"));
        assertTrue(podName, "POD_NAME comes from the pod's metadata.name");
    }

    @Test
    void onlyTheHookIsPublishedBeyondTheDockerHostAndThePipelineMountsNoApiToken() throws IOException {
        // Kafka, the registry, the web view and Prometheus have no authentication; the hook endpoint
        // must take posts from the Proxmox nodes and wants a per-node token for it.
        services.fields().forEachRemaining(service -> service.getValue().path("ports").forEach(published -> {
            final String[] parts = published.asText().split(":");
            if (!parts[parts.length - 1].equals("9477")) {
                assertTrue(parts.length == 3 && parts[0].equals("127.0.0.1"),
                        service.getKey() + " publishes " + published.asText() + " beyond the Docker host's loopback");
            }
        }));
        final JsonNode set = kubernetesDocuments().stream().filter(d -> d.path("kind").asText().equals("StatefulSet"))
                .findFirst().orElseThrow();
        assertFalse(set.path("spec").path("template").path("spec").path("automountServiceAccountToken").asBoolean(true),
                "the correlator never calls the Kubernetes API: no service-account token in its pod");
    }

    @Test
    void noStaleNotesAboutWorkInParallel() throws IOException {
        for (String file : List.of("docker-compose.yml", "deploy/compose/prometheus.yml")) {
            final String text = Files.readString(ROOT.resolve(file));
            assertFalse(text.contains("ASSUMPTION") || text.contains("in parallel"), file + " has a stale note");
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** Every document of deploy/kubernetes/*.yaml. */
    private static List<JsonNode> kubernetesDocuments() throws IOException {
        final List<JsonNode> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("deploy/kubernetes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (var parser = YAML.getFactory().createParser(file.toFile())) {
                    YAML.readValues(parser, JsonNode.class).forEachRemaining(d -> {
                        if (d != null && !d.isNull()) {
                            docs.add(d);
                        }
                    });
                }
            }
        }
        return docs;
    }

    /** Containers running this project's image in deploy/kubernetes, by "kind/name/container". */
    private static Map<String, JsonNode> kubernetesContainers() {
        final Map<String, JsonNode> containers = new LinkedHashMap<>();
        try {
            for (JsonNode doc : kubernetesDocuments()) {
                doc.path("spec").path("template").path("spec").path("containers").forEach(c -> {
                    if (c.path("image").asText().startsWith("incident-correlator:")) {
                        containers.put(doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText()
                                + "/" + c.path("name").asText(), c);
                    }
                });
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertFalse(containers.isEmpty(), "deploy/kubernetes runs the image");
        return containers;
    }

    private static List<String> args(JsonNode container) {
        final List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        return args;
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
