package io.incidentcorrelator.serde;

import com.sun.net.httpserver.HttpServer;
import io.incidentcorrelator.serde.internal.RegistryRestHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves an {@link InMemorySchemaRegistry} over HTTP on the loopback interface, with the Confluent REST endpoints the
 * serdes use plus the read-only ones handy for debugging:
 *
 * <pre>
 * POST /subjects/{subject}/versions                     {"schema":"..."} -> {"id":1}
 * POST /subjects/{subject}                              {"schema":"..."} -> {"subject","version","id","schema"}
 * GET  /schemas/ids/{id}                                -> {"schema":"..."}
 * POST /compatibility/subjects/{subject}/versions/latest {"schema":"..."} -> {"is_compatible":true}
 * GET  /subjects, /subjects/{subject}/versions, /subjects/{subject}/versions/{version|latest}
 * </pre>
 *
 * Errors are {@code {"error_code":40401,"message":"..."}} like Confluent's. Lets other processes (or
 * {@link HttpSchemaRegistryClient} in tests) use an in-process registry. No authentication: loopback only.
 */
public final class EmbeddedSchemaRegistryServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;
    private final InMemorySchemaRegistry registry;

    private EmbeddedSchemaRegistryServer(HttpServer server, ExecutorService executor, InMemorySchemaRegistry registry) {
        this.server = server;
        this.executor = executor;
        this.registry = registry;
    }

    /** Starts a server for {@code registry} on 127.0.0.1 and an ephemeral port. */
    public static EmbeddedSchemaRegistryServer start(InMemorySchemaRegistry registry) {
        return start(registry, 0);
    }

    /** Starts a server for {@code registry} on 127.0.0.1:{@code port} (0: any free port). */
    public static EmbeddedSchemaRegistryServer start(InMemorySchemaRegistry registry, int port) {
        return start(registry, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /** Starts a server for {@code registry} on {@code address} (port 0: any free port); keep it a loopback address. */
    public static EmbeddedSchemaRegistryServer start(InMemorySchemaRegistry registry, InetSocketAddress address) {
        Objects.requireNonNull(registry, "registry");
        final HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the schema registry on " + address.getHostString() + ":"
                    + address.getPort() + ": " + e.getMessage(), e);
        }
        final AtomicInteger threads = new AtomicInteger();
        final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            final Thread t = new Thread(r, "embedded-schema-registry-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.createContext("/", new RegistryRestHandler(registry));
        server.setExecutor(executor);
        server.start();
        return new EmbeddedSchemaRegistryServer(server, executor, registry);
    }

    /** Base URL for {@code schema.registry.url}, e.g. {@code http://127.0.0.1:40123}. */
    public String url() {
        final String host = server.getAddress().getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public InMemorySchemaRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "EmbeddedSchemaRegistryServer[" + url() + "]";
    }
}
