package io.incidentcorrelator.testsupport;

import java.time.Duration;
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

import io.incidentcorrelator.embedded.EmbeddedKafkaBroker;
import io.incidentcorrelator.runtime.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker for integration tests.
 *
 * <p>By default the product's own in-process broker, {@link EmbeddedKafkaBroker} (one KRaft node, fast,
 * no Docker): the demo, {@code run --embedded} and the tests share one broker implementation. With {@code -Dkafka.testcontainers=true} or the environment variable
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
    public enum Kind { EMBEDDED, TESTCONTAINERS }

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
     * Generate the credentials at run time.
     */
    public static TestKafka startSaslPlain(String brokerUser, Map<String, String> users) {
        final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults()
                .withSaslPlain(brokerUser, users));
        return new TestKafka(Kind.EMBEDDED, broker.bootstrapServers(), broker, broker.clientSettings());
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
        return kind == Kind.TESTCONTAINERS ? startContainer() : startEmbedded();
    }

    /** The kind chosen by the system property / environment switch. */
    public static Kind selectedKind() {
        final String env = Optional.ofNullable(System.getenv(ENVIRONMENT_VARIABLE)).orElse("");
        return Boolean.getBoolean(TESTCONTAINERS_PROPERTY) || "testcontainers".equals(env.toLowerCase(Locale.ROOT))
                ? Kind.TESTCONTAINERS
                : Kind.EMBEDDED;
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

    /** Creates the given topics and waits until the broker leads every partition of them. */
    public void createTopics(Collection<NewTopic> topics) {
        final Set<String> names = topics.stream().map(NewTopic::name).collect(Collectors.toSet());
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
            // The controller acknowledges before the broker leads the topics' partitions.
            TopicProvisioner.awaitLeaders(admin, List.copyOf(names));
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

    private static TestKafka startEmbedded() {
        final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        return new TestKafka(Kind.EMBEDDED, broker.bootstrapServers(), broker);
    }

    private static TestKafka startContainer() {
        // Testcontainers' own error for a missing Docker is long and generic; say what to do instead.
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException("Kafka via Testcontainers was requested (-D" + TESTCONTAINERS_PROPERTY
                    + "=true or " + ENVIRONMENT_VARIABLE + "=testcontainers) but no Docker environment was found."
                    + " Start Docker, or drop the switch to use the in-process EmbeddedKafkaBroker.");
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
}
