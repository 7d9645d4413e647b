package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.embedded.EmbeddedKafkaBroker;
import io.incidentcorrelator.runtime.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import io.incidentcorrelator.runtime.CorrelatorService;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code correlator run}: the always-on pipeline, until stopped. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
                "Runs the correlation pipeline continuously until stopped.",
                "Runs the topology against a Kafka cluster (or --embedded: an embedded broker that lives as long",
                "as this process), reading the collectors' topics and writing incidents.",
                "Stop it with Ctrl-C / SIGTERM; state is kept under --state-dir and in changelog topics."})
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--embedded", description = "Start an embedded Kafka broker (KRaft) and in-process registry.")
    boolean embedded;

    @Option(names = "--application-id", defaultValue = "incident-correlator",
            description = "Kafka Streams application.id; instances sharing it share the work (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--state-dir", description = "Local state directory (default: a temp dir per run).")
    Path stateDir;

    @Option(names = "--partitions", defaultValue = "3",
            description = "Partitions for topics this command creates when they are missing (default: ${DEFAULT-VALUE}); "
                    + "the cluster name is the partition key, so more partitions than clusters stay idle.")
    int partitions;

    @Option(names = "--create-topics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Create missing topics on start (default: on; --no-create-topics to leave topics to your tooling).")
    boolean createTopics;
    @Option(names = "--health-port", paramLabel = "PORT",
            description = "Serve /health/live, /health/ready and /metrics (Prometheus) on this port; 0 picks a free "
                    + "one. Off by default.")
    Integer healthPort;

    @Option(names = "--health-bind", paramLabel = "ADDRESS", defaultValue = WebOptions.LOOPBACK,
            description = "Address the health port listens on (default: ${DEFAULT-VALUE}, this machine only; "
                    + "0.0.0.0 for probes and scrapers from elsewhere, as in a container).")
    String healthBind;

    @Mixin
    WebOptions web;

    @Override
    public Integer call() throws Exception {
        final PrintWriter err = spec.commandLine().getErr();
        final ConfigLoader config = cluster.load();
        final CorrelatorConfig correlator = config.correlatorConfig();
        final Duration brokerUnreachableAfter = config.brokerUnreachableAfter();
        // Before a broker starts or a topic is created: a port in use is one line, not a half-started service.
        WebOptions.requireFree(healthBind, healthPort, "health port", "--health-port");
        WebOptions.requireFree(web.bind, web.port, "web view", "--port");
        String bootstrap = cluster.bootstrap(config);
        String registryUrl = cluster.registryUrl(config);
        EmbeddedKafkaBroker broker = null;
        if (embedded) {
            broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
            bootstrap = broker.bootstrapServers();
            registryUrl = registryUrl == null ? SchemaRegistries.MOCK_SCHEME + "run" : registryUrl;
            err.println("run: embedded Kafka broker at " + bootstrap);
        }
        if (bootstrap == null) {
            err.println("run: no Kafka cluster: give --bootstrap-servers, KAFKA_BOOTSTRAP_SERVERS, or --embedded");
            return CorrelatorCli.EXIT_USAGE;
        }
        if (registryUrl == null) {
            err.println("run: no schema registry: give --schema-registry-url or INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL");
            return CorrelatorCli.EXIT_USAGE;
        }
        final Map<String, String> overrides = new HashMap<>(cluster.clientOverrides(config));
        final SchemaRegistryClient registry = SchemaRegistries.forUrl(registryUrl, overrides);
        final Path state = stateDir != null ? stateDir : Files.createTempDirectory("incident-correlator-state-");
        if (createTopics) {
            final Properties adminProps = new Properties();
            adminProps.putAll(overrides);
            adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (Admin admin = Admin.create(adminProps)) {
                TopicProvisioner.ensureTopics(admin, correlator.topics(), partitions, bootstrap, Map.of());
            }
        }
        final InetSocketAddress health = healthPort == null ? null : new InetSocketAddress(healthBind, healthPort);
        // Bound before Kafka Streams starts so that application.server names the real port (--port 0).
        final WebOptions.Served served = web.port == null ? null : web.start(WebOptions.DEFAULT_PORT);
        if (served != null) {
            overrides.put(StreamsConfig.APPLICATION_SERVER_CONFIG, served.self().host() + ":" + served.self().port());
        }

        final CorrelatorService service = CorrelatorService.start(new CorrelatorService.Settings(correlator, bootstrap,
                registry, applicationId, state, overrides, health, brokerUnreachableAfter), transition -> {
                    err.println("run: " + transition);
                    err.flush();
                });
        if (health != null) {
            err.println("run: health and metrics at http://" + healthBind + ":" + service.healthPort()
                    + "/health/live, /health/ready, /metrics");
            err.flush();
        }
        if (served != null) {
            served.server().attach(service.kafkaStreams(), served.self());
            err.println("run: web view at " + served.url());
            err.flush();
        }
        final EmbeddedKafkaBroker embeddedBroker = broker;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (served != null) {
                served.close();
            }
            service.close();
            if (embeddedBroker != null) {
                embeddedBroker.close();
            }
        }, "correlator-shutdown"));
        return service.awaitTermination() == KafkaStreams.State.ERROR ? CorrelatorCli.EXIT_FAILURE : 0;
    }
}
