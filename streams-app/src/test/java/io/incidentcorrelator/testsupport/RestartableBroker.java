package io.incidentcorrelator.testsupport;

import io.incidentcorrelator.embedded.EmbeddedKafkaBroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * The embedded broker on a fixed loopback port and data directory, so that it can be stopped
 * (an outage) and started again at the same address with the same data.
 */
public final class RestartableBroker implements AutoCloseable {

    private final EmbeddedKafkaBroker.Options options;
    private EmbeddedKafkaBroker broker;

    private RestartableBroker(EmbeddedKafkaBroker.Options options) {
        this.options = options;
        this.broker = EmbeddedKafkaBroker.start(options);
    }

    /** Starts a broker keeping its data in {@code dataDir}, on a free loopback port. */
    public static RestartableBroker start(Path dataDir) {
        return new RestartableBroker(EmbeddedKafkaBroker.Options.defaults().withDataDir(dataDir).withPort(freePort()));
    }

    public String bootstrapServers() {
        return options.host() + ":" + options.port();
    }

    /** Stops the broker; clients see it unreachable until {@link #startAgain()}. */
    public void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    public void startAgain() {
        if (broker == null) {
            broker = EmbeddedKafkaBroker.start(options);
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** A port nothing listens on at the moment, on loopback. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
