package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.embedded.EmbeddedBox;
import io.incidentcorrelator.homelab.Homelab;
import io.incidentcorrelator.homelab.HomelabFile;
import io.incidentcorrelator.runtime.InventoryWarnings;
import io.incidentcorrelator.runtime.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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
                "Runs the topology against a Kafka cluster, reading the collectors' topics and writing incidents.",
                "--embedded --data-dir DIR makes this process the whole box: a Kafka broker (--broker-listen) and a",
                "schema registry (--registry-listen) that collectors in other processes reach, with the broker's log,",
                "the schemas and the Streams state kept under DIR; a restart on DIR resumes where it stopped.",
                "--embedded --config homelab.yaml (deploy/homelab.example.yaml) takes the box's settings from that",
                "file and also runs the collectors and sinks it names in this process, each on its topics.",
                "Stop it with Ctrl-C / SIGTERM; state is kept under --state-dir and in changelog topics."})
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--embedded", description = "Start an embedded Kafka broker (KRaft) and schema registry in this "
            + "process (throw-away unless --data-dir is given).")
    boolean embedded;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "With --embedded: keep the broker's log and metadata, the registry's schemas and the Streams "
                    + "state here, so that a restart resumes where it stopped.")
    Path dataDir;

    @Option(names = "--broker-listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092",
            converter = ListenAddress.class,
            description = "With --embedded: the broker's client address (default: ${DEFAULT-VALUE}; port 0: any free port).")
    InetSocketAddress brokerListen;

    @Option(names = "--registry-listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8081",
            converter = ListenAddress.class,
            description = "With --embedded: the schema registry's HTTP address (default: ${DEFAULT-VALUE}; port 0: any "
                    + "free port).")
    InetSocketAddress registryListen;

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
        // Read and checked before anything starts: a bad line is exit 2 with nothing written.
        final Homelab homelab = cluster.configFile != null && HomelabFile.isHomelabFile(cluster.configFile)
                ? HomelabFile.load(cluster.configFile) : null;
        if (homelab != null) {
            applyBox(homelab.box());
        }
        if (dataDir != null && !embedded) {
            err.println("run: " + (spec.commandLine().getParseResult().hasMatchedOption("--data-dir") ? "--data-dir"
                    : cluster.configFile + ": box.data-dir") + " is the embedded box's directory; add --embedded (or "
                    + "use --state-dir with a Kafka cluster)");
            return CorrelatorCli.EXIT_USAGE;
        }
        final ConfigLoader config = homelab != null ? ConfigLoader.load(homelab.settingsFile(), System.getenv())
                : cluster.load();
        final CorrelatorConfig correlator = config.correlatorConfig();
        final Duration brokerUnreachableAfter = config.brokerUnreachableAfter();
        // Before a broker starts or a topic is created: a port in use is one line, not a half-started service.
        WebOptions.requireFree(healthBind, healthPort, "health port", "--health-port");
        WebOptions.requireFree(web.bind, web.port, "web view", "--port");
        final HomelabServices services = homelab == null ? null : HomelabServices.prepare(homelab, config);
        String bootstrap = cluster.bootstrap(config);
        final String registryUrl = cluster.registryUrl(config);
        final Map<String, String> overrides = new HashMap<>(cluster.clientOverrides(config));
        EmbeddedBox box = null;
        SchemaRegistryClient registry;
        if (embedded) {
            if (dataDir == null) {
                err.println("run: no --data-dir: the broker, the schemas and the state live in a temporary directory "
                        + "that is deleted when this process stops");
            }
            box = EmbeddedBox.start(dataDir, brokerListen, registryListen, Map.of());
            bootstrap = box.bootstrapServers();
            // The box runs its application's one instance: as a static member (KIP-345) it takes its own place back
            // at once when it restarts, where a new dynamic member would wait out the session timeout (45 s) of the
            // one a SIGKILL left in the group (docs/performance.md, "The always-on box").
            overrides.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), "box");
            err.println("run: broker listening on " + bootstrap);
            err.println("run: schema registry listening on " + box.registryUrl());
            err.println("run: data in " + box.dataDir() + (box.temporary() ? " (temporary)" : ""));
            err.flush();
            registry = registryUrl == null ? box.registry() : SchemaRegistries.forUrl(registryUrl, overrides);
        } else if (bootstrap == null) {
            err.println("run: no Kafka cluster: give --bootstrap-servers, KAFKA_BOOTSTRAP_SERVERS, or --embedded");
            return CorrelatorCli.EXIT_USAGE;
        } else if (registryUrl == null) {
            err.println("run: no schema registry: give --schema-registry-url or INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL");
            return CorrelatorCli.EXIT_USAGE;
        } else {
            registry = SchemaRegistries.forUrl(registryUrl, overrides);
        }
        final EmbeddedBox embeddedBox = box;
        final boolean temporaryState = stateDir == null && (box == null || box.temporary());
        final Path state = stateDir != null ? stateDir
                : box != null ? box.streamsStateDir() : Files.createTempDirectory("incident-correlator-state-");
        try {
            return runPipeline(err, correlator, brokerUnreachableAfter, bootstrap, registry, overrides, state, temporaryState,
                    embeddedBox, services);
        } catch (RuntimeException | Error e) {
            if (services != null) {
                services.close();
            }
            if (embeddedBox != null) {
                embeddedBox.close();
            }
            throw e;
        }
    }

    private int runPipeline(PrintWriter err, CorrelatorConfig correlator, Duration brokerUnreachableAfter,
                            String bootstrap, SchemaRegistryClient registry, Map<String, String> overrides, Path state, boolean temporaryState, EmbeddedBox box,
                            HomelabServices services)
            throws Exception {
        if (createTopics) {
            final Properties adminProps = new Properties();
            adminProps.putAll(overrides);
            adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (Admin admin = Admin.create(adminProps)) {
                TopicProvisioner.ensureTopics(admin, correlator.topics(), partitions, bootstrap, Map.of(),
                        TopicProvisioner.STAMPED_ON_ARRIVAL);
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
        final InventoryWarnings warnings = served == null ? null
                : new InventoryWarnings(bootstrap, correlator.topics().deadLetter(), overrides).follow();
        if (served != null) {
            served.server().attach(service.kafkaStreams(), served.self(), correlator.classifier());
            served.server().attachBackups(() -> io.incidentcorrelator.runtime.BackupHistoryTopics.read(bootstrap,
                    registry, overrides, correlator.topics()), correlator.classifier().backupCoolDown());
            served.server().showInventoryWarnings(warnings, correlator.topics());
            err.println("run: web view at " + served.url());
            err.flush();
        }
        if (services != null) {
            // After Streams: the collectors' first records find the topology consuming.
            final Map<String, String> clients = new HashMap<>(overrides);
            clients.remove(StreamsConfig.APPLICATION_SERVER_CONFIG); // a Streams setting, not a client's
            services.start(bootstrap, registry, clients, service);
            err.println("run: collectors and sinks of " + cluster.configFile + ": " + String.join(", ",
                    services.names()));
            err.flush();
        }
        final Thread shutdown = new Thread(() -> {
            if (services != null) {
                services.close();
            }
            if (served != null) {
                served.close();
                warnings.close();
            }
            service.close();
            if (box != null) {
                box.close();
            }
            if (temporaryState) {
                EmbeddedBox.deleteRecursively(state);
            }
        }, "correlator-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        if (box != null) {
            box.stopOnShutdownAfter(shutdown);
        }
        return service.awaitTermination() == KafkaStreams.State.ERROR ? CorrelatorCli.EXIT_FAILURE : 0;
    }

    /** The homelab file's box: each value that the command line does not give. */
    private void applyBox(Homelab.Box box) {
        final picocli.CommandLine.ParseResult given = spec.commandLine().getParseResult();
        final ListenAddress address = new ListenAddress();
        if (box.dataDir() != null && !given.hasMatchedOption("--data-dir")) {
            dataDir = box.dataDir();
        }
        if (box.brokerListen() != null && !given.hasMatchedOption("--broker-listen")) {
            brokerListen = address.convert(box.brokerListen());
        }
        if (box.registryListen() != null && !given.hasMatchedOption("--registry-listen")) {
            registryListen = address.convert(box.registryListen());
        }
        if (box.webListen() != null && !given.hasMatchedOption("--port")) {
            final InetSocketAddress web = address.convert(box.webListen());
            this.web.bind = web.getHostString();
            this.web.port = web.getPort();
        }
        if (box.healthListen() != null && !given.hasMatchedOption("--health-port")) {
            final InetSocketAddress health = address.convert(box.healthListen());
            healthBind = health.getHostString();
            healthPort = health.getPort();
        }
    }

    /** {@code HOST:PORT}, {@code [v6]:PORT}; the port 0..65535. */
    static final class ListenAddress implements picocli.CommandLine.ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            final int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not HOST:PORT");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            final int port;
            try {
                port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "': the port is not a number");
            }
            if (port < 0 || port > 65535) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "': the port is not in 0..65535");
            }
            return InetSocketAddress.createUnresolved(host, port);
        }
    }
}
