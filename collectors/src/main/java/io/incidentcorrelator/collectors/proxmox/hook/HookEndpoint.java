package io.incidentcorrelator.collectors.proxmox.hook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.collectors.EventSink;
import io.incidentcorrelator.collectors.proxmox.BackupPhaseDedup;
import io.incidentcorrelator.collectors.internal.SourceHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The HTTP endpoint the vzdump hook script ({@code deploy/proxmox/vzdump-hook.sh}) posts to:
 * {@code POST /vzdump} with {@code {"phase", "node", "vmid", "storeid", "upid", "jobid", ...}}.
 * The time of a phase is when the POST arrives (the hook runs synchronously inside vzdump, so
 * receipt is within a second of the phase).
 *
 * <p>Answers: 202 accepted, 200 duplicate (already reported, by a retried POST or the API
 * poller), 400 invalid body, 401 wrong or missing token, 404/405 wrong path or method, 413 body
 * over 4 KiB. The body of every answer is one line of text saying which.
 */
public final class HookEndpoint implements AutoCloseable {

    public static final String PATH = "/vzdump";
    static final int MAX_BODY = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(HookEndpoint.class);

    private final HookConfig config;
    private final EventSink sink;
    private final Function<String, String> storageHosts;
    private final BackupPhaseDedup dedup;
    private final Clock clock;
    /** Whether the posts that arrive can be used (token, body): one log line per change, and readiness. */
    private final SourceHealth posts = new SourceHealth("vzdump hook endpoint posts", Duration.ofSeconds(1),
            Duration.ofSeconds(1), LOG);
    private HttpServer server;
    private ExecutorService executor;

    /**
     * @param storageHosts storage id → Proxmox node holding it (from the inventory), null when unknown
     * @param dedup        shared with a {@code BackupTaskPoller} in the same process, or a fresh one
     */
    public HookEndpoint(HookConfig config, EventSink sink, Function<String, String> storageHosts,
                        BackupPhaseDedup dedup) {
        this(config, sink, storageHosts, dedup, Clock.systemUTC());
    }

    HookEndpoint(HookConfig config, EventSink sink, Function<String, String> storageHosts, BackupPhaseDedup dedup,
                 Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.storageHosts = Objects.requireNonNull(storageHosts, "storageHosts");
        this.dedup = Objects.requireNonNull(dedup, "dedup");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Binds and starts serving; returns at once. */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        server = HttpServer.create(config.bind(), 16);
        // A hook call is tiny and vzdump runs one at a time per node; two threads are plenty.
        executor = Executors.newFixedThreadPool(2, r -> {
            final Thread t = new Thread(r, "vzdump-hook-endpoint");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("vzdump hook endpoint listening on http://{}{} ({})", hostPort(address()), PATH,
                config.token() == null ? "no token required" : "token required");
    }

    /** The health of what is posted, for readiness and metrics next to the poller's sources. */
    public SourceHealth health() {
        return posts;
    }

    /** The bound address (with the real port when 0 was asked for). */
    public synchronized InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.getAddress();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server = null;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                reply(exchange, 404, "not found: the vzdump hook posts to " + PATH);
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                reply(exchange, 405, "method not allowed: use POST");
                return;
            }
            if (config.token() != null && !config.token().matches(bearer(exchange))) {
                // The presented value is never logged: it may be a near-miss of the real secret.
                posts.failure(clock.instant(), "rejected a POST from "
                        + exchange.getRemoteAddress().getAddress().getHostAddress() + " with a missing or wrong token");
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                reply(exchange, 401, "missing or wrong token (Authorization: Bearer <token from the token file>)");
                return;
            }
            final String length = exchange.getRequestHeaders().getFirst("Content-Length");
            if (length != null && tooLong(length)) {
                reply(exchange, 413, "body larger than " + MAX_BODY + " bytes");
                return;
            }
            final byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
            if (body.length > MAX_BODY) {
                reply(exchange, 413, "body larger than " + MAX_BODY + " bytes");
                return;
            }
            final HookPayload payload;
            try {
                payload = HookPayload.parse(body);
            } catch (HookPayload.Invalid e) {
                posts.failure(clock.instant(), "rejected a POST: " + e.getMessage());
                reply(exchange, 400, e.getMessage());
                return;
            }
            final boolean sent = accept(payload);
            posts.success(clock.instant());
            reply(exchange, sent ? 202 : 200, "ok");
        } catch (RuntimeException e) {
            posts.failure(clock.instant(), "failed to handle a POST: " + e);
            reply(exchange, 500, "internal error");
        }
    }

    /** @return whether the phase was new and sent */
    private boolean accept(HookPayload p) {
        final BackupEvent event = BackupEvent.newBuilder()
                .setHost(p.node())
                .setPhase(p.phase())
                .setVmid(p.vmid())
                .setJobId(p.jobId())
                .setUpid(p.upid())
                .setStorage(p.storage())
                .setTargetHost(p.storage() == null ? null : storageHosts.apply(p.storage()))
                .setStatus(status(p.phase()))
                .setTime(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .build();
        if (!dedup.firstTime(event)) {
            LOG.debug("vzdump hook endpoint: {} {} {} already reported", p.node(), p.phase(),
                    p.vmid() == null ? "" : p.vmid());
            return false;
        }
        sink.send(config.backupTopic(), key(event), event);
        LOG.debug("vzdump hook endpoint: {} {} {}", p.node(), p.phase(), p.vmid() == null ? "" : p.vmid());
        return true;
    }

    /** Same partition as the poller's events when the UPID is known ({@code host/upid}). */
    private static String key(BackupEvent e) {
        final String id = e.getUpid() != null ? e.getUpid() : e.getJobId() != null ? e.getJobId() : e.getStorage();
        return id == null ? e.getHost() : e.getHost() + "/" + id;
    }

    /** The hook is not told why a backup failed; the task log (poller) has the text. */
    private static String status(BackupPhase phase) {
        return switch (phase) {
            case JOB_END, BACKUP_END -> "ok";
            case JOB_ABORT, BACKUP_ABORT -> "aborted";
            default -> null;
        };
    }

    private static String bearer(HttpExchange exchange) {
        final String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return auth.substring(7).trim();
    }

    private static boolean tooLong(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > MAX_BODY;
        } catch (NumberFormatException e) {
            return false; // the JDK server rejects malformed lengths itself
        }
    }

    private static void reply(HttpExchange exchange, int status, String message) throws IOException {
        final byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String hostPort(InetSocketAddress a) {
        final String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
