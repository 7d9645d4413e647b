package io.incidentcorrelator.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The JDK's HTTP server with three read-only endpoints for probes and scrapers:
 * {@code /health/live}, {@code /health/ready} (200 or 503 with a JSON body saying why) and
 * {@code /metrics} (Prometheus text format). Nothing else is served; nothing is accepted.
 */
public final class HealthServer implements AutoCloseable {

    /** A probe's answer: {@code ok} decides 200 or 503; {@code json} is the body. */
    public record Status(boolean ok, String json) {
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private HealthServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code address} (port 0: any free port) and serves until {@link #close()}. */
    public static HealthServer start(InetSocketAddress address, Supplier<Status> live, Supplier<Status> ready,
                                     Supplier<String> metrics) {
        final HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot listen for health checks on " + address + ": " + e.getMessage(), e);
        }
        server.createContext("/health/live", exchange -> status(exchange, live.get()));
        server.createContext("/health/ready", exchange -> status(exchange, ready.get()));
        server.createContext("/metrics", exchange -> {
            if (allowed(exchange, "/metrics")) {
                send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
            }
        });
        server.createContext("/", exchange -> send(exchange, 404, "text/plain; charset=utf-8",
                "not found: try /health/live, /health/ready or /metrics\n"));
        // One thread: probes are cheap, and a scrape storm must not take threads from the streams.
        final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "correlator-health");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new HealthServer(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void status(HttpExchange exchange, Status status) throws IOException {
        final String path = exchange.getHttpContext().getPath();
        if (allowed(exchange, path)) {
            send(exchange, status.ok() ? 200 : 503, "application/json", status.json() + "\n");
        }
    }

    /** Only GET and HEAD of the exact path; a context also matches longer paths. */
    private static boolean allowed(HttpExchange exchange, String path) throws IOException {
        if (!exchange.getRequestURI().getPath().equals(path)) {
            send(exchange, 404, "text/plain; charset=utf-8", "not found\n");
            return false;
        }
        final String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
            return false;
        }
        return true;
    }

    /** Answers and closes {@code exchange}: no caching, no body for HEAD. The web view answers the same way. */
    public static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
