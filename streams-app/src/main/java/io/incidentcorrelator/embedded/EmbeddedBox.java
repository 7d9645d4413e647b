package io.incidentcorrelator.embedded;

import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.serde.KafkaSchemaStore;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * One box: the embedded broker, a schema registry kept in the broker's {@code _schemas} topic and served over HTTP,
 * and the place for the Streams state, all under one data directory:
 *
 * <pre>
 * DIR/box.properties   the box's cluster id; the Kafka data must belong to it
 * DIR/kafka/           the broker's log segments and KRaft metadata
 * DIR/streams/         Kafka Streams' state stores
 * </pre>
 *
 * Started again on the same directory it resumes where it stopped: topics, offsets, schema ids, state. Without a
 * directory everything lives in a temporary one that {@link #close()} deletes.
 */
public final class EmbeddedBox implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedBox.class);
    private static final String BOX_FILE = "box.properties";
    /**
     * A month of raw events on disk: "why did pods restart last night" and backfills stay answerable. An always-on
     * box idles most of the time: broker heartbeats every second instead of the embedded default's 200 ms (which only
     * speeds up the first unfencing), and the controller's no-op metadata record (an append and an fsync) every 5 s
     * instead of every 500 ms (docs/performance.md, "The always-on box"). One group coordinator thread: the offsets
     * topic has one partition, so the other three of Kafka's default four only wake up to find nothing to do.
     */
    private static final Map<String, String> BOX_BROKER_DEFAULTS = Map.of(
            "log.retention.hours", String.valueOf(30 * 24),
            "broker.heartbeat.interval.ms", "1000",
            "metadata.max.idle.interval.ms", "5000",
            "group.coordinator.threads", "1");

    private final Path dataDir;
    private final boolean temporary;
    private final EmbeddedKafkaBroker broker;
    private final InMemorySchemaRegistry registry;
    private final KafkaSchemaStore schemaStore;
    private final EmbeddedSchemaRegistryServer registryServer;
    private boolean closed;

    private EmbeddedBox(Path dataDir, boolean temporary, EmbeddedKafkaBroker broker, InMemorySchemaRegistry registry,
                        KafkaSchemaStore schemaStore, EmbeddedSchemaRegistryServer registryServer) {
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.broker = broker;
        this.registry = registry;
        this.schemaStore = schemaStore;
        this.registryServer = registryServer;
    }

    /**
     * @param dataDir          where everything is kept; null for a temporary directory deleted on close
     * @param brokerAddress    the broker's client listener (port 0: any free port)
     * @param registryAddress  the registry's HTTP listener (port 0: any free port)
     * @param brokerProperties broker settings on top of the embedded defaults
     */
    public static EmbeddedBox start(Path dataDir, InetSocketAddress brokerAddress, InetSocketAddress registryAddress,
                                    Map<String, String> brokerProperties) {
        Objects.requireNonNull(brokerAddress, "brokerAddress");
        Objects.requireNonNull(registryAddress, "registryAddress");
        // Both ports are checked before anything is written: a port in use must not leave a half-made box behind.
        final InetSocketAddress registryBind = resolved(registryAddress);
        ensureFree(resolved(brokerAddress), "broker");
        ensureFree(registryBind, "schema registry");
        final boolean temporary = dataDir == null;
        final Path dir = temporary ? createTempDir() : dataDir.toAbsolutePath();
        EmbeddedKafkaBroker broker = null;
        KafkaSchemaStore store = null;
        try {
            final String clusterId = clusterId(dir);
            broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults()
                    .withDataDir(dir.resolve("kafka"))
                    .withHost(brokerAddress.getHostString())
                    .withPort(brokerAddress.getPort())
                    .withClusterId(clusterId)
                    .withBrokerProperties(BOX_BROKER_DEFAULTS)
                    .withBrokerProperties(brokerProperties));
            final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("the box's schema registry");
            store = KafkaSchemaStore.open(registry,
                    Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                    KafkaSchemaStore.DEFAULT_TOPIC, (short) 1);
            final EmbeddedSchemaRegistryServer server = EmbeddedSchemaRegistryServer.start(registry, registryBind);
            return new EmbeddedBox(dir, temporary, broker, registry, store, server);
        } catch (RuntimeException e) {
            if (store != null) {
                store.close();
            }
            if (broker != null) {
                broker.close();
            }
            if (temporary) {
                deleteRecursively(dir);
            }
            throw e;
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** The registry's base URL for other processes, e.g. {@code http://127.0.0.1:8081}. */
    public String registryUrl() {
        return registryServer.url();
    }

    /** The registry itself, for clients in this process (no HTTP round trip). */
    public InMemorySchemaRegistry registry() {
        return registry;
    }

    public Path dataDir() {
        return dataDir;
    }

    public boolean temporary() {
        return temporary;
    }

    /** Where Kafka Streams keeps its state in this box. */
    public Path streamsStateDir() {
        return dataDir.resolve("streams");
    }

    /** At JVM exit, the broker stops only after {@code clientsClosing} (a shutdown hook closing its clients) ended. */
    public void stopOnShutdownAfter(Thread clientsClosing) {
        broker.stopOnShutdownAfter(clientsClosing);
    }

    /** Stops the registry and the broker; deletes the data directory if it was a temporary one. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        registryServer.close();
        schemaStore.close();
        broker.close();
        if (temporary) {
            deleteRecursively(dataDir);
        }
    }

    /** The id recorded in the box's file, or a new one recorded there. */
    private static String clusterId(Path dir) {
        final Path file = dir.resolve(BOX_FILE);
        final Properties box = new Properties();
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                try (var in = Files.newInputStream(file)) {
                    box.load(in);
                }
                final String id = box.getProperty("cluster.id");
                if (id == null || id.isBlank()) {
                    throw new EmbeddedKafkaBroker.EmbeddedKafkaException(file + " has no cluster.id");
                }
                return id.trim();
            }
            final String id = Uuid.randomUuid().toString();
            box.setProperty("cluster.id", id);
            final Path tmp = Files.createTempFile(dir, ".box-", ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                box.store(out, "incident-correlator box: the Kafka data under kafka/ belongs to this cluster id");
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            log.info("New box in {} (cluster id {})", dir, id);
            return id;
        } catch (IOException e) {
            throw new EmbeddedKafkaBroker.EmbeddedKafkaException("Data directory " + dir + " is not usable: " + e, e);
        }
    }

    private static InetSocketAddress resolved(InetSocketAddress address) {
        final InetSocketAddress resolved = new InetSocketAddress(address.getHostString(), address.getPort());
        if (resolved.isUnresolved()) {
            throw new EmbeddedKafkaBroker.EmbeddedKafkaException("Cannot resolve listen address " + address.getHostString());
        }
        return resolved;
    }

    private static void ensureFree(InetSocketAddress address, String what) {
        if (address.getPort() == 0) {
            return;
        }
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(address);
        } catch (IOException e) {
            throw new EmbeddedKafkaBroker.EmbeddedKafkaException("The " + what + "'s address "
                    + address.getHostString() + ":" + address.getPort() + " is already in use (" + e.getMessage()
                    + "); choose another with --" + (what.equals("broker") ? "broker" : "registry") + "-listen, or port 0");
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("incident-correlator-box-");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary data directory: " + e.getMessage(), e);
        }
    }

    /** Deletes {@code dir} and everything in it; best effort (logged). */
    public static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir, e.toString());
        }
    }
}
