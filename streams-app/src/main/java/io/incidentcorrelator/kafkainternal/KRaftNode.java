package io.incidentcorrelator.kafkainternal;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * One combined KRaft controller and broker in this process, through the server's own classes
 * ({@code kafka.server}, {@code org.apache.kafka.metadata.storage}): Kafka has no public API to
 * run a broker. {@code EmbeddedKafkaBroker} holds everything else (ports, retries, readiness,
 * the data dir) on public APIs only, so an upgrade of Kafka touches this class alone
 * (checklist in this package's README).
 */
public final class KRaftNode {

    private final KafkaConfig config;
    private KafkaRaftServer server;

    private KRaftNode(KafkaConfig config) {
        this.config = config;
    }

    /** Validates {@code props} as the server does; a bad value throws with the server's message. */
    public static KRaftNode configure(Map<String, String> props) {
        return new KRaftNode(new KafkaConfig(props, false));
    }

    /** Where {@code meta.properties} lives once formatted. */
    public String metadataLogDir() {
        return config.metadataLogDir();
    }

    /** Formats the log and metadata dirs for a new cluster, as {@code kafka-storage.sh format} does. */
    public void format(int nodeId, String clusterId, String controllerListener) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(nodeId)
                .setClusterId(clusterId)
                .setDirectories(config.logDirs())
                .setMetadataLogDirectory(config.metadataLogDir())
                .setControllerListenerName(controllerListener)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .run();
    }

    /** Opens the formatted storage (reads {@code meta.properties}, locks the dirs). */
    public void open() {
        server = new KafkaRaftServer(config, Time.SYSTEM);
    }

    /** Starts the controller and the broker; returns once both accept connections. */
    public void startup() {
        server.startup();
    }

    /** Stops both and waits until they have. */
    public void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
        }
    }
}
