package io.incidentcorrelator.collectors.proxmox.hook;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.proxmox.BackupPhaseDedup;
import io.incidentcorrelator.collectors.internal.SourceHealth;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The HTTP(S) endpoint the vzdump hook script ({@code deploy/proxmox/vzdump-hook.sh}) posts to:
 * {@code POST /vzdump} with {@code {"phase", "node", "vmid", "storeid", "upid", "jobid", ...}}.
 * The time of a phase is when the POST arrives (the hook runs synchronously inside vzdump, so
 * receipt is within a second of the phase).
 *
 * <p>Answers: 202 accepted, 200 duplicate (already reported, by a retried POST or the API
 * poller), 400 invalid body, 401 wrong or missing token, 403 a token used for another node or
 * from an address it is not bound to, 404/405 wrong path or method, 413 body over 4 KiB. The
 * body of every answer is one line of text saying which; the connection is closed after it.
 *
 * <p>Transport: Vert.x (already on the runtime class path as fabric8's HTTP client) rather than the
 * JDK's {@code HttpServer}, which reads request headers on its worker threads with no time limit,
 * so two clients trickling header lines stopped every post. Here requests are read on an event
 * loop, which a slow client cannot hold; each connection must deliver its whole request within
 * {@link HookConfig.Limits#requestTimeout()}; open connections are capped in all and per source
 * address, and at the cap the oldest unanswered connection makes room, so a flood delays nobody
 * whose request arrives in one go. Vert.x also reads the PEM certificate and key for TLS.
 */
public final class HookEndpoint implements AutoCloseable {

    public static final String PATH = "/vzdump";
    static final int MAX_BODY = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(HookEndpoint.class);

    /** Why a request was refused, for the counts, the periodic WARN and {@code /metrics}. */
    public enum Rejection { BAD_TOKEN, OTHER_NODE, OTHER_ADDRESS, BAD_REQUEST, TOO_LARGE, TIMED_OUT, CONNECTIONS_FULL }

    /** The counter of refused requests on the collector's {@code /metrics}, labelled by {@link Rejection}. */
    public static final String REJECTED_METRIC = "correlator_hook_rejected_requests_total";

    private final HookConfig config;
    private final EventWriter sink;
    private final Function<String, String> storageHosts;
    private final BackupPhaseDedup dedup;
    private final Clock clock;
    private final RejectionLog rejections;
    /**
     * Whether accepted posts reach the topic: one log line per change, and readiness. Refused
     * requests (token, node, body) are the sender's problem and counted in {@link #rejected}, not here:
     * a stranger's bad request must not turn this endpoint's readiness DOWN.
     */
    private final SourceHealth posts = new SourceHealth("vzdump hook endpoint posts", Duration.ofSeconds(1),
            Duration.ofSeconds(1), LOG);
    /** Open connections, oldest first; touched on the single event loop only. */
    private final Deque<Connection> open = new ArrayDeque<>();
    private Vertx vertx;
    private HttpServer server;
    private InetSocketAddress bound;

    private static final class Connection {
        final HttpConnection connection;
        final String source;
        boolean answered;
        long deadline;

        Connection(HttpConnection connection, String source) {
            this.connection = connection;
            this.source = source;
        }
    }

    /**
     * @param storageHosts storage id → Proxmox node holding it (from the inventory), null when unknown
     * @param dedup        shared with a {@code BackupTaskPoller} in the same process, or a fresh one
     */
    public HookEndpoint(HookConfig config, EventWriter sink, Function<String, String> storageHosts,
                        BackupPhaseDedup dedup) {
        this(config, sink, storageHosts, dedup, Clock.systemUTC());
    }

    HookEndpoint(HookConfig config, EventWriter sink, Function<String, String> storageHosts, BackupPhaseDedup dedup,
                 Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.storageHosts = Objects.requireNonNull(storageHosts, "storageHosts");
        this.dedup = Objects.requireNonNull(dedup, "dedup");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.rejections = new RejectionLog(LOG, config.limits().rejectionLogEvery());
    }

    /** Binds and starts serving; returns at once. */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        if (config.tls() != null) {
            for (var file : new java.nio.file.Path[] {config.tls().certificate(), config.tls().privateKey()}) {
                if (!Files.isReadable(file)) {
                    throw new IOException("hook endpoint TLS: cannot read " + file);
                }
            }
        }
        // One event loop: all connection bookkeeping happens on it, so it needs no locks. The two
        // workers run the sink, which may block on the broker.
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
        final int timeoutMs = (int) config.limits().requestTimeout().toMillis();
        final HttpServerOptions options = new HttpServerOptions()
                .setHost(config.bind().getAddress().getHostAddress())
                .setPort(config.bind().getPort())
                .setMaxInitialLineLength(1024)
                .setMaxHeaderSize(8192)
                .setMaxChunkSize(MAX_BODY)
                .setHttp2ClearTextEnabled(false)
                .setDecompressionSupported(false)
                .setHandle100ContinueAutomatically(false)
                // The deadline per request (opened) is what cuts slow clients; this only backs it up.
                .setIdleTimeout(2 * timeoutMs)
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setSslHandshakeTimeout(timeoutMs)
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
        if (config.tls() != null) {
            options.setSsl(true).setPemKeyCertOptions(new PemKeyCertOptions()
                    .setCertPath(config.tls().certificate().toString())
                    .setKeyPath(config.tls().privateKey().toString()));
        }
        server = vertx.createHttpServer(options)
                .connectionHandler(this::opened)
                .requestHandler(this::handle);
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            final Throwable cause = e.getCause() == null ? e : e.getCause();
            close();
            throw new IOException("hook endpoint cannot listen on " + hostPort(config.bind()) + ": " + cause.getMessage(),
                    cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while starting the hook endpoint", e);
        }
        bound = new InetSocketAddress(config.bind().getAddress(), server.actualPort());
        vertx.setPeriodic(config.limits().rejectionLogEvery().toMillis(), id -> rejections.flush());
        LOG.info("vzdump hook endpoint listening on {}://{}{} ({})", config.tls() == null ? "http" : "https",
                hostPort(bound), PATH, config.credentials() == null ? "no token required"
                        : config.credentials().perNode() ? config.credentials().size() + " node tokens"
                        : "one shared token");
    }

    /** The health of accepted posts, for readiness and metrics next to the poller's sources. */
    public SourceHealth health() {
        return posts;
    }

    /** The bound address (with the real port when 0 was asked for). */
    public synchronized InetSocketAddress address() {
        if (bound == null) {
            throw new IllegalStateException("not started");
        }
        return bound;
    }

    /** How many requests were refused for each reason since start. */
    public Map<Rejection, Long> rejected() {
        return rejections.totals();
    }

    /**
     * Prometheus text for the collector's {@code /metrics}: refused requests per reason since start,
     * every reason listed (0 included) so that a rate over it is defined before the first refusal.
     */
    public String metrics() {
        final Map<Rejection, Long> totals = rejected();
        final StringBuilder out = new StringBuilder("# HELP ").append(REJECTED_METRIC)
                .append(" Requests the vzdump hook endpoint refused since start, by reason (bad_token: missing or "
                        + "unknown token; other_node: a node's token used for another node; other_address: from an "
                        + "address the token is not bound to; too_large: body over " + MAX_BODY + " bytes; "
                        + "timed_out: request not complete in time; connections_full: dropped at the connection "
                        + "cap).\n# TYPE ").append(REJECTED_METRIC).append(" counter\n");
        for (Rejection r : Rejection.values()) {
            out.append(REJECTED_METRIC).append("{reason=\"").append(r.name().toLowerCase(java.util.Locale.ROOT))
                    .append("\"} ").append(totals.getOrDefault(r, 0L)).append('\n');
        }
        return out.toString();
    }

    @Override
    public synchronized void close() {
        if (vertx != null) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("vzdump hook endpoint: close: {}", e.toString());
            }
            rejections.flush();
            vertx = null;
            server = null;
        }
    }

    private void opened(HttpConnection connection) {
        final Connection c = new Connection(connection, connection.remoteAddress().hostAddress());
        open.addLast(c);
        connection.closeHandler(v -> open.remove(c));
        if (open.size() > config.limits().maxConnections()) {
            dropOldest(null);
        }
        if (open.stream().filter(o -> o.source.equals(c.source)).count() > config.limits().maxPerAddress()) {
            dropOldest(c.source);
        }
        final long timeout = config.limits().requestTimeout().toMillis();
        vertx.setTimer(timeout, id -> {
            if (!c.answered && open.contains(c)) {
                rejections.count(Rejection.TIMED_OUT, c.source);
                connection.close();
            }
        });
    }

    /** Closes the oldest unanswered connection (of {@code source}, when given). */
    private void dropOldest(String source) {
        for (Iterator<Connection> it = open.iterator(); it.hasNext(); ) {
            final Connection c = it.next();
            if (!c.answered && (source == null || c.source.equals(source))) {
                it.remove();
                rejections.count(Rejection.CONNECTIONS_FULL, c.source);
                c.connection.close();
                return;
            }
        }
    }

    private Connection tracked(HttpServerRequest request) {
        for (Connection c : open) {
            if (c.connection == request.connection()) {
                return c;
            }
        }
        return null;
    }

    private void handle(HttpServerRequest request) {
        final String source = request.remoteAddress().hostAddress();
        if (!PATH.equals(request.path())) {
            reply(request, 404, "not found: the vzdump hook posts to " + PATH);
            return;
        }
        if (request.method() != HttpMethod.POST) {
            request.response().putHeader("Allow", "POST");
            reply(request, 405, "method not allowed: use POST");
            return;
        }
        final String presented = bearer(request.getHeader("Authorization"));
        if (config.credentials() != null && !config.credentials().known(presented)) {
            // The presented value is never logged: it may be a near-miss of the real secret.
            rejections.count(Rejection.BAD_TOKEN, source);
            request.response().putHeader("WWW-Authenticate", "Bearer");
            reply(request, 401, "missing or wrong token (Authorization: Bearer <token from the token file>)");
            return;
        }
        final String length = request.getHeader("Content-Length");
        if (length != null && tooLong(length)) {
            rejections.count(Rejection.TOO_LARGE, source);
            reply(request, 413, "body larger than " + MAX_BODY + " bytes");
            return;
        }
        final Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (body.length() <= MAX_BODY) {
                body.appendBuffer(chunk);
            }
        });
        request.exceptionHandler(e -> LOG.debug("vzdump hook endpoint: reading a request from {}: {}", source,
                e.toString()));
        request.endHandler(v -> {
            if (body.length() > MAX_BODY) {
                rejections.count(Rejection.TOO_LARGE, source);
                reply(request, 413, "body larger than " + MAX_BODY + " bytes");
                return;
            }
            final HookPayload payload;
            try {
                payload = HookPayload.parse(body.getBytes());
            } catch (HookPayload.Invalid e) {
                rejections.count(Rejection.BAD_REQUEST, source);
                reply(request, 400, e.getMessage());
                return;
            }
            if (config.credentials() != null) {
                final HookCredentials.Verdict verdict = config.credentials().check(presented, payload.node(),
                        address(source));
                if (verdict == HookCredentials.Verdict.OTHER_NODE) {
                    rejections.count(Rejection.OTHER_NODE, source);
                    reply(request, 403, "this token is not " + payload.node() + "'s: each node reports for itself");
                    return;
                }
                if (verdict == HookCredentials.Verdict.OTHER_ADDRESS) {
                    rejections.count(Rejection.OTHER_ADDRESS, source);
                    reply(request, 403, "this token is not valid from " + source);
                    return;
                }
            }
            vertx.<Boolean>executeBlocking(() -> accept(payload), false).onComplete(sent -> {
                if (sent.succeeded()) {
                    posts.success(clock.instant());
                    reply(request, sent.result() ? 202 : 200, "ok");
                } else {
                    posts.failure(clock.instant(), "failed to handle a POST: " + sent.cause());
                    reply(request, 500, "internal error");
                }
            });
        });
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

    private static String bearer(String auth) {
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return auth.substring(7).trim();
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal from the socket: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not an address literal: " + literal, e);
        }
    }

    private static boolean tooLong(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > MAX_BODY;
        } catch (NumberFormatException e) {
            return false; // Vert.x rejects malformed lengths itself
        }
    }

    /** One request per connection: vzdump runs curl once per phase, and a kept-alive socket is only a cost here. */
    private void reply(HttpServerRequest request, int status, String message) {
        final Connection c = tracked(request);
        if (c != null) {
            c.answered = true;
        }
        request.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "text/plain; charset=utf-8")
                .putHeader("Connection", "close")
                .end(message + "\n")
                .onComplete(done -> request.connection().close());
    }

    private static String hostPort(InetSocketAddress a) {
        final String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * Counts refused requests and says so at most once per interval: a scan or a flood must not
     * turn into one log line per request.
     */
    static final class RejectionLog {
        private final Logger log;
        private final long intervalMs;
        private final Map<Rejection, Long> pending = new EnumMap<>(Rejection.class);
        private final Map<Rejection, Long> totals = new EnumMap<>(Rejection.class);
        private long lastLogged = Long.MIN_VALUE;
        private String lastSource;

        RejectionLog(Logger log, java.time.Duration interval) {
            this.log = log;
            this.intervalMs = interval.toMillis();
        }

        synchronized void count(Rejection why, String source) {
            pending.merge(why, 1L, Long::sum);
            totals.merge(why, 1L, Long::sum);
            lastSource = source;
            final long now = System.nanoTime() / 1_000_000;
            if (lastLogged == Long.MIN_VALUE || now - lastLogged >= intervalMs) {
                flushAt(now);
            }
        }

        synchronized void flush() {
            flushAt(System.nanoTime() / 1_000_000);
        }

        private void flushAt(long now) {
            if (pending.isEmpty()) {
                return;
            }
            final long n = pending.values().stream().mapToLong(Long::longValue).sum();
            log.warn("vzdump hook endpoint: refused {} request(s) {}, the last from {}{}", n, pending, lastSource,
                    lastLogged == Long.MIN_VALUE ? "" : " (at most one such line per " + intervalMs / 1000 + " s)");
            pending.clear();
            lastLogged = now;
        }

        synchronized Map<Rejection, Long> totals() {
            return Map.copyOf(totals);
        }
    }
}
