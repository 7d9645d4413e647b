package io.incidentcorrelator.embedded;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.incidentcorrelator.kafkainternal.KRaftNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker running inside this JVM: KRaft, one node that is both broker and
 * controller, listening on loopback only. Meant for the one-command embedded mode, where a
 * separate Kafka installation would be a hurdle.
 *
 * <p>The defaults fit a single node running an exactly-once Kafka Streams application:
 * every internal topic has replication factor 1, transactions work, the log cleaner is on
 * (compacted topics), and the classic, consumer and streams group protocols are enabled.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
 *     String bootstrap = broker.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String SASL_LISTENER = "SASL";
    private static final String PLAIN_LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule required";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    /** Picking a free port and binding it later is racy; a few retries make that harmless. */
    private static final int PORT_ATTEMPTS = 3;

    private final KRaftNode server;
    private final String bootstrapServers;
    private final Map<String, String> clientSettings;
    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final Thread shutdownHook;
    private volatile Thread stopAfter;
    private boolean closed;

    private EmbeddedKafkaBroker(KRaftNode server, String bootstrapServers, Map<String, String> clientSettings,
                                Path dataDir, boolean deleteDataDirOnClose) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.clientSettings = clientSettings;
        this.dataDir = dataDir;
        this.deleteDataDirOnClose = deleteDataDirOnClose;
        // Ctrl-C ends the JVM without anyone calling close(); the hook still stops the broker
        // cleanly and removes the temporary data directory.
        this.shutdownHook = new Thread(this::closeOnShutdown, "embedded-kafka-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Formats the storage (unless the data directory already holds a formatted node), starts the
     * broker and returns once it accepts client requests.
     *
     * @throws EmbeddedKafkaException if the broker cannot start (port in use, data directory not
     *                                writable, not ready in time)
     */
    public static EmbeddedKafkaBroker start(final Options options) {
        Objects.requireNonNull(options, "options");
        final long startNanos = System.nanoTime();
        final boolean tempDir = options.dataDir == null;
        final Path dataDir = tempDir ? createTempDir() : prepareDataDir(options.dataDir);
        try {
            final EmbeddedKafkaBroker broker = startWithRetries(options, dataDir, tempDir);
            log.info("Embedded Kafka broker ready at {} in {} ms (data in {})", broker.bootstrapServers,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), dataDir);
            return broker;
        } catch (RuntimeException | Error e) {
            if (tempDir) {
                deleteQuietly(dataDir);
            }
            throw e;
        }
    }

    /** {@code host:port} of the broker's client listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Security settings a client needs for this broker, as the broker's own user; empty for a plaintext one. */
    public Map<String, String> clientSettings() {
        return clientSettings;
    }

    /** The directory holding the log segments and KRaft metadata. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * At JVM exit, lets {@code clientsClosing} (another shutdown hook, which closes this broker's clients) finish
     * before the broker stops. The JVM runs shutdown hooks at the same time: without this, the broker may go first, a
     * Kafka Streams client's LeaveGroup and last commit never reach it, and the next start waits out the group's
     * session timeout (45 s) for the member that did not leave.
     */
    public void stopOnShutdownAfter(Thread clientsClosing) {
        this.stopAfter = clientsClosing;
    }

    private void closeOnShutdown() {
        final Thread first = stopAfter;
        if (first != null) {
            try {
                first.join(2 * SHUTDOWN_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    /**
     * Shuts the broker down (bounded wait) and deletes the data directory if it was a temporary
     * one. Safe to call more than once.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        removeShutdownHook();
        // shutdown() blocks until done; run it aside so a stuck broker cannot hang the caller.
        final Thread stopper = new Thread(() -> {
            try {
                server.stop();
            } catch (RuntimeException e) {
                log.warn("Error while shutting down the embedded Kafka broker", e);
            }
        }, "embedded-kafka-stopper");
        stopper.setDaemon(true);
        stopper.start();
        try {
            stopper.join(SHUTDOWN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopper.isAlive()) {
            log.warn("Embedded Kafka broker did not stop within {} s; giving up on it", SHUTDOWN_TIMEOUT.toSeconds());
        }
        if (deleteDataDirOnClose) {
            deleteQuietly(dataDir);
        }
    }

    private static EmbeddedKafkaBroker startWithRetries(Options options, Path dataDir, boolean tempDir) {
        final InetAddress host = resolve(options.host);
        if (options.port != 0) {
            ensurePortFree(host, options.port);
        }
        for (int attempt = 1; ; attempt++) {
            final int brokerPort = options.port != 0 ? options.port : freePort(host);
            int controllerPort = freePort(host);
            while (controllerPort == brokerPort) {
                controllerPort = freePort(host);
            }
            try {
                return startOnce(options, dataDir, tempDir, brokerPort, controllerPort);
            } catch (EmbeddedKafkaException e) {
                // Only a lost race for a port we picked ourselves is worth another try.
                if (attempt >= PORT_ATTEMPTS || !isBindFailure(e)) {
                    throw e;
                }
                log.debug("Port {} or {} was taken meanwhile, retrying", brokerPort, controllerPort);
            }
        }
    }

    private static EmbeddedKafkaBroker startOnce(Options options, Path dataDir, boolean tempDir,
                                                 int brokerPort, int controllerPort) {
        final Map<String, String> props = brokerProperties(options, dataDir, brokerPort, controllerPort);
        final KRaftNode server;
        try {
            server = KRaftNode.configure(props);
        } catch (RuntimeException e) {
            throw new EmbeddedKafkaException("Invalid embedded broker configuration: " + e.getMessage(), e);
        }
        format(server, dataDir, options.clusterId);

        try {
            server.open();
        } catch (RuntimeException e) {
            throw new EmbeddedKafkaException("Could not open the Kafka storage in " + dataDir + ": "
                    + rootMessage(e), e);
        }
        try {
            server.startup();
        } catch (RuntimeException e) {
            // The controller half may be up although the broker half failed; stop it before a retry.
            stopQuietly(server);
            throw new EmbeddedKafkaException("Embedded Kafka broker failed to start on "
                    + options.host + ":" + brokerPort + ": " + rootMessage(e), e);
        }
        final String bootstrap = options.host + ":" + brokerPort;
        final Map<String, String> client = options.clientSettings();
        try {
            awaitReady(bootstrap, client);
        } catch (RuntimeException e) {
            stopQuietly(server);
            throw e;
        }
        return new EmbeddedKafkaBroker(server, bootstrap, client, dataDir, tempDir);
    }

    private static Map<String, String> brokerProperties(Options options, Path dataDir, int brokerPort,
                                                        int controllerPort) {
        final String host = options.host;
        final Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        // A static voter set: the controller address may change between runs on a kept data dir.
        p.put("controller.quorum.voters", NODE_ID + "@" + host + ":" + controllerPort);
        final String listener = options.saslUsers == null ? BROKER_LISTENER : SASL_LISTENER;
        p.put("listeners", listener + "://" + host + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + host + ":" + controllerPort);
        p.put("advertised.listeners", listener + "://" + host + ":" + brokerPort);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + SASL_LISTENER + ":SASL_PLAINTEXT,"
                + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", listener);
        if (options.saslUsers != null) {
            // The listener's users, and the broker's own login among them for its inter-broker clients.
            final StringBuilder jaas = new StringBuilder(PLAIN_LOGIN_MODULE)
                    .append(" username=\"").append(options.saslBrokerUser).append("\" password=\"")
                    .append(options.saslUsers.get(options.saslBrokerUser)).append('"');
            options.saslUsers.forEach((user, password) ->
                    jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
            p.put("listener.name." + SASL_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".plain.sasl.jaas.config",
                    jaas.append(';').toString());
            p.put("sasl.enabled.mechanisms", "PLAIN");
            p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        }
        p.put("log.dirs", dataDir.resolve("logs").toString());

        // One node: nothing can be replicated, so every internal topic must make do with one copy.
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // Fewer internal partitions: the coordinators load them at first use, 50 of them cost seconds.
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        // A lone Streams instance should not wait for group members that will never come.
        p.put("group.initial.rebalance.delay.ms", "0");

        // The incidents topic is compacted. Smaller segments let compaction actually happen during a
        // demo; the default 128 MiB dedupe buffer is far more than a laptop demo needs.
        p.put("log.cleaner.enable", "true");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        p.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        p.put("log.retention.hours", "24");
        // A rolled segment is flushed by a task queued on the background threads; if retention or the
        // cleaner deletes the segment and its files are closed before that task runs, Kafka 4.3 takes the
        // whole log dir offline (KAFKA-19571). Deleted files are closed this long after the deletion
        // (60 s by default): on a busy two-core box the flush queue must never lag that much.
        p.put("log.segment.delete.delay.ms", String.valueOf(Duration.ofMinutes(5).toMillis()));

        // Two cores: the production thread counts only add contention.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("num.replica.fetchers", "1");
        // Unfencing waits for a broker heartbeat; the 2 s default would dominate the start-up time.
        p.put("broker.heartbeat.interval.ms", "200");
        // How long the controller waits for a heartbeat before it fences this, its only broker: every
        // partition loses its leader and both coordinators resign, so an open transaction's markers and
        // a restarting Kafka Streams' producer fencing fail with NOT_COORDINATOR and are redone after the
        // reload. Controller and broker share one JVM, but a heartbeat still has to get through the
        // controller's event queue within half the heartbeat interval (500 ms on the box), so a starved or
        // paused JVM misses them: stopping the box for 5 s fenced it with a 3 s session (session 8,
        // docs/performance.md). Kafka's 9 s rides that out. Its price: after a crash, the restarted
        // controller gives the dead incarnation a fresh session and refuses the new one's registration
        // until it expires (KAFKA-19130), so a SIGKILLed box restarts up to 9 s later (a clean stop
        // leaves the registration fenced: nothing to wait for).
        p.put("broker.session.timeout.ms", "9000");

        p.putAll(options.brokerProperties);
        return p;
    }

    private static void format(KRaftNode server, Path dataDir, String clusterId) {
        // A kept data directory is reused as it is, with its cluster id and topics.
        final Path meta = Path.of(server.metadataLogDir(), "meta.properties");
        if (Files.exists(meta)) {
            final String found = storedClusterId(meta);
            if (clusterId != null && !clusterId.equals(found)) {
                throw new EmbeddedKafkaException("Kafka data in " + dataDir + " belongs to cluster id " + found
                        + ", not to " + clusterId + " (" + meta + "); point --data-dir at this box's own directory");
            }
            return;
        }
        try {
            server.format(NODE_ID, clusterId != null ? clusterId : Uuid.randomUuid().toString(), CONTROLLER_LISTENER);
        } catch (Exception e) {
            throw new EmbeddedKafkaException("Could not format the Kafka storage in " + dataDir + ": "
                    + rootMessage(e), e);
        }
    }

    private static String storedClusterId(Path meta) {
        final Properties stored = new Properties();
        try (var in = Files.newInputStream(meta)) {
            stored.load(in);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("Cannot read " + meta + ": " + e.getMessage(), e);
        }
        return stored.getProperty("cluster.id");
    }

    private static void awaitReady(String bootstrap, Map<String, String> clientSettings) {
        final long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        final Properties adminProps = new Properties();
        adminProps.putAll(clientSettings);
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness");
        adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        adminProps.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        adminProps.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        adminProps.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        Exception last = null;
        try (Admin admin = Admin.create(adminProps)) {
            while (System.nanoTime() < deadline) {
                try {
                    final int brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000))
                            .nodes().get(5, TimeUnit.SECONDS).size();
                    if (brokers > 0) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("Interrupted while waiting for the embedded Kafka broker", e);
        }
        throw new EmbeddedKafkaException("Embedded Kafka broker at " + bootstrap + " was not ready within "
                + READY_TIMEOUT.toSeconds() + " s", last);
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("incident-correlator-kafka-");
        } catch (IOException e) {
            throw new EmbeddedKafkaException("Could not create a temporary directory for Kafka: " + e.getMessage(), e);
        }
    }

    private static Path prepareDataDir(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("Kafka data directory " + dir + " cannot be created: " + e, e);
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new EmbeddedKafkaException("Kafka data directory " + dir + " is not a writable directory");
        }
        return dir;
    }

    private static InetAddress resolve(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("Cannot resolve broker host " + host, e);
        }
    }

    private static void ensurePortFree(InetAddress host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new EmbeddedKafkaException("Port " + port + " on " + host.getHostAddress()
                    + " is already in use; choose another port or 0 for a free one", e);
        }
    }

    private static int freePort(InetAddress host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new EmbeddedKafkaException("Cannot find a free port on " + host.getHostAddress(), e);
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
    }

    private static void stopQuietly(KRaftNode server) {
        try {
            server.stop();
        } catch (RuntimeException e) {
            log.debug("Ignoring error while stopping a broker that failed to start", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            log.warn("Could not delete Kafka data directory {}: {}", dir, e.toString());
        }
    }

    private void removeShutdownHook() {
        if (Thread.currentThread() == shutdownHook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs or has run.
        }
    }

    /** Start-up settings. Immutable; each {@code with...} returns a copy. */
    public static final class Options {
        private static final Set<String> MANAGED_PROPERTIES = Set.of(
                "process.roles", "node.id", "controller.quorum.voters", "controller.quorum.bootstrap.servers",
                "listeners", "advertised.listeners", "listener.security.protocol.map",
                "controller.listener.names", "inter.broker.listener.name", "log.dirs", "log.dir",
                "metadata.log.dir");

        private final Path dataDir;
        private final String host;
        private final int port;
        private final Map<String, String> brokerProperties;
        private final String clusterId;
        private final String saslBrokerUser;
        private final Map<String, String> saslUsers;

        private Options(Path dataDir, String host, int port, Map<String, String> brokerProperties) {
            this(dataDir, host, port, brokerProperties, null, null, null);
        }

        private Options(Path dataDir, String host, int port, Map<String, String> brokerProperties, String clusterId,
                        String saslBrokerUser, Map<String, String> saslUsers) {
            this.dataDir = dataDir;
            this.host = host;
            this.port = port;
            this.brokerProperties = Map.copyOf(brokerProperties);
            this.clusterId = clusterId;
            this.saslBrokerUser = saslBrokerUser;
            this.saslUsers = saslUsers == null ? null : Map.copyOf(saslUsers);
        }

        /**
         * The client listener authenticates with SASL/PLAIN (over plaintext: loopback tests only) and knows exactly
         * {@code users} (name → password); {@code brokerUser}, one of them, is the broker's own login and the one
         * {@link EmbeddedKafkaBroker#clientSettings()} names. No authorizer: authentication is what this is for.
         */
        public Options withSaslPlain(String brokerUser, Map<String, String> users) {
            if (!users.containsKey(brokerUser)) {
                throw new IllegalArgumentException("the broker user must be one of the users");
            }
            return new Options(dataDir, host, port, brokerProperties, clusterId, brokerUser, users);
        }

        Map<String, String> clientSettings() {
            if (saslUsers == null) {
                return Map.of();
            }
            return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                    "sasl.jaas.config", PLAIN_LOGIN_MODULE + " username=\"" + saslBrokerUser + "\" password=\""
                            + saslUsers.get(saslBrokerUser) + "\";");
        }

        /**
         * The cluster id the data directory must belong to (and is formatted with when new); starting on data of
         * another cluster fails. Null: whatever the directory holds, a random one when new.
         */
        public Options withClusterId(String clusterId) {
            return new Options(dataDir, host, port, brokerProperties, clusterId, saslBrokerUser, saslUsers);
        }

        /** Temporary data directory, {@code 127.0.0.1}, a free port, no extra properties. */
        public static Options defaults() {
            return new Options(null, "127.0.0.1", 0, Map.of());
        }

        /**
         * Where to keep the data; kept across runs. {@code null} means a temporary directory that is
         * deleted on {@link #close()}.
         */
        public Options withDataDir(Path dataDir) {
            return new Options(dataDir, host, port, brokerProperties, clusterId, saslBrokerUser, saslUsers);
        }

        /** Address to listen on; keep it a loopback address. */
        public Options withHost(String host) {
            return new Options(dataDir, Objects.requireNonNull(host, "host"), port, brokerProperties, clusterId,
                    saslBrokerUser, saslUsers);
        }

        /** Client port; {@code 0} picks a free one. */
        public Options withPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return new Options(dataDir, host, port, brokerProperties, clusterId, saslBrokerUser, saslUsers);
        }

        /**
         * Broker settings applied on top of (and overriding) the embedded defaults. The node layout
         * (roles, id, listeners, quorum, directories) is managed here and cannot be overridden; use
         * {@link #withHost}, {@link #withPort} and {@link #withDataDir} instead.
         */
        public Options withBrokerProperties(Map<String, String> properties) {
            for (String name : properties.keySet()) {
                if (MANAGED_PROPERTIES.contains(name)) {
                    throw new IllegalArgumentException("Broker property " + name + " is managed by EmbeddedKafkaBroker");
                }
            }
            final Map<String, String> merged = new LinkedHashMap<>(brokerProperties);
            merged.putAll(properties);
            return new Options(dataDir, host, port, merged, clusterId, saslBrokerUser, saslUsers);
        }

        public Options withBrokerProperty(String name, String value) {
            return withBrokerProperties(Map.of(name, value));
        }

        public Path dataDir() {
            return dataDir;
        }

        public String host() {
            return host;
        }

        public int port() {
            return port;
        }

        public Map<String, String> brokerProperties() {
            return brokerProperties;
        }
    }

    /** The embedded broker could not be started. */
    public static final class EmbeddedKafkaException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EmbeddedKafkaException(String message) {
            super(message);
        }

        EmbeddedKafkaException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
