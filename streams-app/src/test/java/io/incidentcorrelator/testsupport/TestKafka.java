package io.incidentcorrelator.testsupport;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.server.common.MetadataVersion;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker for integration tests.
 *
 * <p>By default an in-process single-node KRaft cluster from Kafka's own {@link KafkaClusterTestKit}
 * (fast, no Docker). With {@code -Dkafka.testcontainers=true} or the environment variable
 * {@code INCIDENT_CORRELATOR_TEST_KAFKA=testcontainers} a Docker container via Testcontainers
 * instead; its image can be chosen with {@code -Dkafka.testcontainers.image=...}.
 */
public final class TestKafka implements AutoCloseable {

    public static final String TESTCONTAINERS_PROPERTY = "kafka.testcontainers";
    public static final String IMAGE_PROPERTY = "kafka.testcontainers.image";
    public static final String ENVIRONMENT_VARIABLE = "INCIDENT_CORRELATOR_TEST_KAFKA";
    public static final String DEFAULT_IMAGE = "apache/kafka:4.1.0";

    /** Settings a single broker needs so that exactly-once Streams apps and group tests run promptly. */
    private static final Map<String, String> SINGLE_NODE_SETTINGS = Map.of(
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "1",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "transaction.state.log.num.partitions", "1",
            "min.insync.replicas", "1",
            "group.initial.rebalance.delay.ms", "0",
            "auto.create.topics.enable", "false");

    /** Which broker {@link #start()} picks. */
    public enum Kind { TEST_KIT, TESTCONTAINERS }

    private final Kind kind;
    private final String bootstrapServers;
    private final AutoCloseable broker;
    private final Map<String, String> clientSettings;

    private TestKafka(Kind kind, String bootstrapServers, AutoCloseable broker) {
        this(kind, bootstrapServers, broker, Map.of());
    }

    private TestKafka(Kind kind, String bootstrapServers, AutoCloseable broker, Map<String, String> clientSettings) {
        this.kind = kind;
        this.bootstrapServers = bootstrapServers;
        this.broker = broker;
        this.clientSettings = clientSettings;
    }

    /**
     * An in-process broker whose client listener is SASL_PLAINTEXT with mechanism PLAIN and knows
     * exactly {@code users} (name → password), without an authorizer (authentication is what is
     * tested, not ACLs). {@code brokerUser} is the broker's own identity and {@link #admin()}'s.
     * Generate the credentials at run time; the test kit's built-in users are not accepted.
     */
    public static TestKafka startSaslPlain(String brokerUser, Map<String, String> users) {
        final String password = users.get(brokerUser);
        if (password == null) {
            throw new IllegalArgumentException("the broker user must be one of the users");
        }
        final StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
                .append(" username=\"").append(brokerUser).append("\" password=\"").append(password).append('"');
        users.forEach((user, pw) -> jaas.append(" user_").append(user).append("=\"").append(pw).append('"'));
        jaas.append(';');
        KafkaClusterTestKit kit = null;
        try {
            final TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBrokerListenerName(new ListenerName("EXTERNAL"))
                    .setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                    // The kit bootstraps the newest, unstable metadata version by default.
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .build();
            final KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
            SINGLE_NODE_SETTINGS.forEach(builder::setConfigProp);
            // The listener's own JAAS config wins over the file of fixed test users the kit writes.
            builder.setConfigProp("listener.name.external.plain.sasl.jaas.config", jaas.toString());
            builder.setConfigProp("sasl.enabled.mechanisms", "PLAIN");
            // Authentication is what is tested; the kit's authorizer would also lock out its own PLAINTEXT controller.
            builder.setConfigProp("authorizer.class.name", "");
            kit = builder.build();
            kit.format();
            kit.startup();
            final Map<String, String> client = Map.of(
                    "security.protocol", "SASL_PLAINTEXT",
                    "sasl.mechanism", "PLAIN",
                    "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                            + brokerUser + "\" password=\"" + password + "\";");
            final TestKafka kafka = new TestKafka(Kind.TEST_KIT, kit.bootstrapServers(), kit, client);
            try (Admin admin = kafka.admin()) {
                admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
            }
            return kafka;
        } catch (Exception e) {
            closeQuietly(kit);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not start the in-process SASL Kafka test cluster: " + e.getMessage(), e);
        }
    }

    /** Security settings a client needs for this broker (empty for a plaintext one). */
    public Map<String, String> clientSettings() {
        return clientSettings;
    }

    /** Starts the broker chosen by {@link #selectedKind()} and waits until it serves clients. */
    public static TestKafka start() {
        return start(selectedKind());
    }

    /** Starts the given kind of broker, ignoring the switch. */
    public static TestKafka start(Kind kind) {
        return kind == Kind.TESTCONTAINERS ? startContainer() : startTestKit();
    }

    /** The kind chosen by the system property / environment switch. */
    public static Kind selectedKind() {
        final String env = Optional.ofNullable(System.getenv(ENVIRONMENT_VARIABLE)).orElse("");
        return Boolean.getBoolean(TESTCONTAINERS_PROPERTY) || "testcontainers".equals(env.toLowerCase(Locale.ROOT))
                ? Kind.TESTCONTAINERS
                : Kind.TEST_KIT;
    }

    public Kind kind() {
        return kind;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** An Admin client for this broker; the caller closes it. */
    public Admin admin() {
        final Map<String, Object> settings = new java.util.HashMap<>(clientSettings);
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(settings);
    }

    /** Creates single-partition topics and waits until they exist. */
    public void createTopics(String... names) {
        createTopics(Arrays.stream(names).map(name -> new NewTopic(name, 1, (short) 1)).toList());
    }

    /** Creates a single-partition compacted topic and waits until it exists. */
    public void createCompactedTopic(String name) {
        createTopics(List.of(new NewTopic(name, 1, (short) 1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))));
    }

    /** Creates the given topics and waits until the broker lists them. */
    public void createTopics(Collection<NewTopic> topics) {
        final Set<String> names = topics.stream().map(NewTopic::name).collect(Collectors.toSet());
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
            // The controller acknowledges before the broker's metadata cache has the topics.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!admin.listTopics().names().get(30, TimeUnit.SECONDS).containsAll(names)) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("topics " + names + " not visible on the broker");
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not create topics " + topics + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            broker.close();
        } catch (Exception e) {
            throw new IllegalStateException("Could not stop the test Kafka broker", e);
        }
    }

    private static TestKafka startTestKit() {
        KafkaClusterTestKit kit = null;
        try {
            final TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    // The kit bootstraps the newest, unstable metadata version by default; test what users run.
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .build();
            final KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
            SINGLE_NODE_SETTINGS.forEach(builder::setConfigProp);
            kit = builder.build();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            return new TestKafka(Kind.TEST_KIT, kit.bootstrapServers(), kit);
        } catch (Exception e) {
            closeQuietly(kit);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not start the in-process Kafka test cluster: " + e.getMessage(), e);
        }
    }

    private static TestKafka startContainer() {
        // Testcontainers' own error for a missing Docker is long and generic; say what to do instead.
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException("Kafka via Testcontainers was requested (-D" + TESTCONTAINERS_PROPERTY
                    + "=true or " + ENVIRONMENT_VARIABLE + "=testcontainers) but no Docker environment was found."
                    + " Start Docker, or drop the switch to use the in-process KafkaClusterTestKit.");
        }
        final String image = System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE);
        final KafkaContainer container = new KafkaContainer(image);
        SINGLE_NODE_SETTINGS.forEach((name, value) ->
                container.withEnv("KAFKA_" + name.toUpperCase(Locale.ROOT).replace('.', '_'), value));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw new IllegalStateException("Could not start Kafka container " + image + ": " + e.getMessage(), e);
        }
        return new TestKafka(Kind.TESTCONTAINERS, container.getBootstrapServers(), container::close);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Already failing; the original error is the one worth reporting.
        }
    }
}
