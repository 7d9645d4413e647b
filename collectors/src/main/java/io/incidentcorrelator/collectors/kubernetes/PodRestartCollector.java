package io.incidentcorrelator.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.internal.Causes;
import io.incidentcorrelator.collectors.internal.SourceHealth;
import io.incidentcorrelator.collectors.kubernetes.internal.Utf8Tail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Watches pods and sends one {@link PodRestart} per increase of a container's {@code restartCount}
 * (init containers included), keyed {@code cluster/namespace/pod/container}.
 *
 * <p><b>Exactly once per restart.</b> Informers re-deliver pods all the time: on resync, after a
 * watch reconnect, after a {@code 410 Gone} relist, and on every start. What was accounted for is
 * therefore never inferred from the event kind but kept in a {@link RestartLedger}: per container
 * the pod UID and the restart count last seen. A count above the ledger's emits one event (for the
 * latest restart: the API keeps only the last termination, so a jump by several is one event); an
 * equal count emits nothing; a new pod UID under a known name starts over from zero. The ledger is
 * flushed after every emitted restart, so a collector restart resumes where it left off and emits a
 * restart that happened while it was down exactly once. (A crash between the sink accepting the
 * record and the flush could repeat that one record; the contract key plus {@code restartCount}
 * identifies it.)
 *
 * <p><b>History is not news.</b> When the ledger is empty on start, pods created before the start
 * are baselined: their current counts are recorded without emitting ({@code backfill} is for the
 * past). Pods created later, and pods unknown to a non-empty ledger (created while the collector
 * was down), count from zero.
 *
 * <p>The message is the termination message if the container wrote one, else (when enabled) the
 * tail of the previous container's log; both cut to {@value #MAX_MESSAGE_BYTES} bytes keeping the
 * end. A failed log fetch leaves the message out and never holds back the event.
 *
 * <p>Use {@link #start()} for the long-running service or {@link #snapshot()} for {@code --once};
 * not both on one instance.
 */
public final class PodRestartCollector implements AutoCloseable {

    /** The contract's bound on {@code message}, in UTF-8 bytes. */
    public static final int MAX_MESSAGE_BYTES = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(PodRestartCollector.class);
    private static final Duration LOG_FETCH_TIMEOUT = Duration.ofSeconds(5);
    /** {@code state.waiting.reason} values that mean the image cannot be pulled (kubelet's names). */
    private static final Set<String> IMAGE_PULL_REASONS = Set.of("ErrImagePull", "ImagePullBackOff",
            "InvalidImageName", "ErrImageNeverPull");

    private final KubernetesCollectorConfig config;
    private final EventWriter sink;
    private final RestartLedger ledger;
    private final KubernetesClient client;
    /** Same connection as {@link #client}, but log fetches neither retry nor wait long. */
    private final KubernetesClient logClient;
    /** For {@code --once}: a few quick retries, so an unreachable API is reported in seconds, not minutes. */
    private final KubernetesClient onceClient;
    private final boolean ownsClient;
    private final Clock clock;
    private final SourceHealth apiHealth;
    private final SourceHealth logHealth;
    private final SourceHealth ledgerHealth;

    /** Guards the ledger: informers of several namespaces deliver on their own threads. */
    private final Object lock = new Object();
    private final List<SharedIndexInformer<Pod>> informers = new ArrayList<>();
    private final ResourceEventHandler<Pod> handler = new Handler();
    /** Replaces an informer that stopped; one daemon thread, idle unless that happens. */
    private final ScheduledExecutorService restarter = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "pod-informer-restart");
        t.setDaemon(true);
        return t;
    });
    /** Pods created before this are history (ledger was empty on start); null: none are. */
    private Instant baselineBefore;
    private boolean baselineDecided;
    private boolean started;
    private volatile boolean synced;
    private volatile boolean closed;

    /**
     * Connects with {@code Config.autoConfigure(context)} (kubeconfig, else the in-cluster service
     * account) and opens the ledger file if one is configured. The client is closed by {@link #close()}.
     */
    public PodRestartCollector(KubernetesCollectorConfig config, EventWriter sink) throws IOException {
        // The ledger is opened first: if it fails there is no client to leak.
        this(config, sink, openLedger(config), newClient(config), true, Clock.systemUTC());
    }

    /**
     * With a client and ledger of the caller's; the client stays open on {@link #close()}, the
     * ledger is flushed.
     */
    public PodRestartCollector(KubernetesCollectorConfig config, EventWriter sink, KubernetesClient client,
                               RestartLedger ledger) {
        this(config, sink, ledger, client, false, Clock.systemUTC());
    }

    PodRestartCollector(KubernetesCollectorConfig config, EventWriter sink, RestartLedger ledger, KubernetesClient client,
                        boolean ownsClient, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        // fabric8 retries 5xx with backoff for well over a minute by default; a kubelet that cannot
        // serve logs (node down: 500) would stall the informer thread that long for every restart.
        this.logClient = client.newClient(new RequestConfigBuilder()
                .withRequestRetryBackoffLimit(0)
                .withRequestTimeout((int) LOG_FETCH_TIMEOUT.toMillis())
                .build()).adapt(KubernetesClient.class);
        this.onceClient = client.newClient(new RequestConfigBuilder()
                .withRequestRetryBackoffLimit(2)
                .build()).adapt(KubernetesClient.class);
        this.clock = Objects.requireNonNull(clock, "clock");
        final String where = "kubernetes " + config.cluster() + " (" + client.getConfiguration().getMasterUrl() + ")";
        final Duration base = Duration.ofSeconds(1);
        final Duration max = Duration.ofMinutes(5);
        this.apiHealth = new SourceHealth(where + " pods", base, max, LOG);
        this.logHealth = new SourceHealth(where + " pods/log", base, max, LOG);
        this.ledgerHealth = new SourceHealth("restart ledger of " + config.cluster(), base, max, LOG);
    }

    /**
     * Starts the informers (one for all namespaces, or one per configured namespace) and returns
     * at once; events flow from their threads. The informers reconnect and relist by themselves;
     * failures are logged once per state change.
     */
    public void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            if (started) {
                return;
            }
            started = true;
            decideBaseline();
        }
        final List<CompletableFuture<Void>> initialSyncs = new ArrayList<>();
        for (String ns : config.allNamespaces() ? List.of("") : config.namespaces()) {
            initialSyncs.add(startInformer(ns));
        }
        // Async: the sync future completes on a Vert.x event loop, which must not wait for our
        // lock while a handler holding it waits for a log response from that same loop.
        CompletableFuture.allOf(initialSyncs.toArray(CompletableFuture[]::new))
                .thenRunAsync(this::afterInitialSync)
                .exceptionally(error -> {
                    LOG.debug("kubernetes {}: initial sync did not complete: {}", config.cluster(), describe(error));
                    return null;
                });
    }

    /** Starts one informer ({@code ns} empty: all namespaces); returns its first sync. */
    private CompletableFuture<Void> startInformer(String ns) {
        final SharedIndexInformer<Pod> informer;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.completedFuture(null);
            }
            informer = (ns.isEmpty() ? client.pods().inAnyNamespace() : client.pods().inNamespace(ns))
                    .runnableInformer(config.resyncPeriod().toMillis());
            informer.addEventHandler(handler);
            informer.exceptionHandler(this::retryAfter);
            informers.add(informer);
        }
        final CompletableFuture<Void> synced = informer.start().toCompletableFuture();
        informer.stopped().whenComplete((ignored, error) -> restartAfterStop(ns, informer, error));
        return synced;
    }

    /**
     * An informer that stopped while the collector runs would leave it up and collecting nothing:
     * it is replaced after the API's current backoff. The new one lists every pod, and the ledger
     * turns that into exactly the restarts missed meanwhile.
     */
    private void restartAfterStop(String ns, SharedIndexInformer<Pod> informer, Throwable error) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            informers.remove(informer);
        }
        apiHealth.failure(clock.instant(), "pod informer" + (ns.isEmpty() ? "" : " for namespace " + ns)
                + " stopped (" + (error == null ? "no error given" : describe(error)) + "); starting a new one");
        final long delayMillis = Math.max(0, apiHealth.currentBackoff().toMillis());
        try {
            restarter.schedule(() -> {
                startInformer(ns).thenRun(() -> apiHealth.success(clock.instant()));
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("kubernetes {}: closed while restarting the pod informer", config.cluster());
        }
    }

    /** The API, its log subresource and the ledger file, for readiness, metrics and {@code --once}'s exit code. */
    public List<SourceHealth> sources() {
        return List.of(apiHealth, logHealth, ledgerHealth);
    }

    /** The running informers (a copy), for tests that stop one as a failure would. */
    List<SharedIndexInformer<Pod>> informers() {
        synchronized (lock) {
            return List.copyOf(informers);
        }
    }

    /** Whether every informer has listed once and the ledger has been tidied after that. */
    public boolean hasSynced() {
        return synced;
    }

    /**
     * For {@code --once}: lists the pods once, emits what the ledger has not accounted for, and
     * records it. With an empty ledger the first snapshot only baselines. Source failures are
     * logged, not thrown.
     *
     * @return the number of restarts sent
     */
    public int snapshot() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            decideBaseline();
        }
        final List<Pod> pods = new ArrayList<>();
        final Set<String> listed = new HashSet<>();
        final List<String> targets = config.allNamespaces() ? List.of("") : config.namespaces();
        for (String ns : targets) {
            try {
                pods.addAll((ns.isEmpty() ? onceClient.pods().inAnyNamespace().list()
                        : onceClient.pods().inNamespace(ns).list()).getItems());
                listed.add(ns);
                apiHealth.success(clock.instant());
            } catch (KubernetesClientException e) {
                apiHealth.failure(clock.instant(), "listing pods" + (ns.isEmpty() ? "" : " in " + ns) + ": " + describe(e));
            }
        }
        synchronized (lock) {
            try {
                int sent = 0;
                for (Pod pod : pods) {
                    sent += account(pod);
                }
                final Predicate<String> covered = config.allNamespaces() ? ns -> !listed.isEmpty()
                        : ns -> listed.contains(ns) || !config.namespaces().contains(ns);
                prune(namesOf(pods), covered);
                return sent;
            } finally {
                // Also when the sink threw half-way: what it accepted must not be sent again.
                flushLedger();
            }
        }
    }

    /** Stops the informers, flushes the ledger and closes the client if this collector made it. */
    @Override
    public void close() {
        final List<SharedIndexInformer<Pod>> toStop;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            toStop = List.copyOf(informers);
        }
        restarter.shutdownNow();
        toStop.forEach(SharedIndexInformer::stop);
        synchronized (lock) {
            flushLedger();
        }
        if (ownsClient) {
            client.close();
        }
    }

    // ---- accounting (callers hold the lock) ----

    private void decideBaseline() {
        if (!baselineDecided) {
            baselineDecided = true;
            baselineBefore = ledger.isEmpty() ? clock.instant() : null;
            if (baselineBefore != null) {
                LOG.info("kubernetes {}: restart ledger is empty; current restart counts of existing pods are taken"
                        + " as history, not emitted", config.cluster());
            }
        }
    }

    /** Emits what this pod's containers have restarted beyond the ledger and records it. */
    private int account(Pod pod) {
        final ObjectMeta meta = pod.getMetadata();
        final PodStatus status = pod.getStatus();
        if (meta == null || meta.getName() == null || status == null) {
            return 0;
        }
        final String uid = Objects.requireNonNullElse(meta.getUid(), "");
        final List<ContainerStatus> statuses = new ArrayList<>();
        if (status.getInitContainerStatuses() != null) {
            statuses.addAll(status.getInitContainerStatuses());
        }
        if (status.getContainerStatuses() != null) {
            statuses.addAll(status.getContainerStatuses());
        }
        int sent = 0;
        for (ContainerStatus cs : statuses) {
            if (cs.getName() == null) {
                continue;
            }
            final String key = key(meta.getNamespace(), meta.getName(), cs.getName());
            final int count = Math.max(0, Objects.requireNonNullElse(cs.getRestartCount(), 0));
            final boolean pulling = imagePullFailing(cs);
            final Optional<RestartLedger.Entry> known = ledger.get(key);
            final int from;
            final boolean pullReported;
            if (known.isPresent() && known.get().podUid().equals(uid)) {
                from = known.get().restartCount();
                pullReported = known.get().imagePullReported();
                if (count < from) {
                    // A node reboot can reset the count; follow it so later restarts are seen.
                    LOG.debug("{}: restart count went down from {} to {}; following it", key, from, count);
                    ledger.put(key, new RestartLedger.Entry(uid, count, pulling && pullReported));
                    continue;
                }
            } else if (isHistory(meta)) {
                if (count > 0 || pulling) {
                    LOG.debug("{}: first sighting with {} restart(s){}, taken as history", key, count,
                            pulling ? " and failing to pull its image" : "");
                }
                ledger.put(key, new RestartLedger.Entry(uid, count, pulling));
                continue;
            } else {
                if (known.isPresent()) {
                    LOG.debug("{}: pod uid changed (recreated); counting from 0", key);
                }
                from = 0;
                pullReported = false;
            }
            boolean reported = pulling && pullReported;
            if (count > from) {
                emit(pod, cs, key, count, from);
                sent++;
                // The restart's record carries the waiting reason: that is this episode's report.
                reported = pulling;
            } else if (pulling && !pullReported) {
                // A container that never started (restartCount 0) is no restart, but it is what
                // IMAGE_PULL_FAILURE is about: one record when the episode begins.
                emitImagePull(pod, cs, key, count);
                sent++;
                reported = true;
            }
            final RestartLedger.Entry next = new RestartLedger.Entry(uid, count, reported);
            if (!known.equals(Optional.of(next))) {
                ledger.put(key, next);
            }
        }
        return sent;
    }

    /** {@code state.waiting.reason} is one of the image-pull failures the contract names. */
    private static boolean imagePullFailing(ContainerStatus cs) {
        final String reason = cs.getState() == null || cs.getState().getWaiting() == null ? null
                : cs.getState().getWaiting().getReason();
        return reason != null && IMAGE_PULL_REASONS.contains(reason);
    }

    private boolean isHistory(ObjectMeta meta) {
        if (baselineBefore == null) {
            return false;
        }
        final Instant created = parseTime(meta.getCreationTimestamp());
        // creationTimestamp has whole seconds: a pod created in the baseline's own second may be
        // newer than the baseline, and a new pod's first failure must not be taken as history.
        return created == null || created.isBefore(baselineBefore.truncatedTo(ChronoUnit.SECONDS));
    }

    private void emit(Pod pod, ContainerStatus cs, String key, int count, int from) {
        final String namespace = pod.getMetadata().getNamespace();
        final String podName = pod.getMetadata().getName();
        final ContainerStateTerminated last = cs.getLastState() == null ? null : cs.getLastState().getTerminated();

        Instant finishedAt = last == null ? null : parseTime(last.getFinishedAt());
        if (finishedAt == null) {
            final Instant currentStart = startOfCurrentContainer(cs.getState());
            finishedAt = currentStart != null ? currentStart : clock.instant();
            LOG.debug("{}: restart {} has no lastState.terminated.finishedAt; using {} ({})", key, count, finishedAt,
                    currentStart != null ? "start of the current container" : "now");
        }
        if (count - from > 1) {
            LOG.debug("{}: restart count jumped from {} to {}; one event for the latest (the API keeps only the last"
                    + " termination)", key, from, count);
        }
        String message = last == null ? null : blankToNull(last.getMessage());
        if (message == null && config.includeLogs()) {
            message = previousLog(namespace, podName, cs.getName(), key);
        }
        final PodRestart restart = PodRestart.newBuilder()
                .setCluster(config.cluster())
                .setNamespace(namespace)
                .setPod(podName)
                .setContainer(cs.getName())
                .setNode(pod.getSpec() == null ? null : blankToNull(pod.getSpec().getNodeName()))
                .setRestartCount(count)
                .setTerminatedReason(last == null ? null : blankToNull(last.getReason()))
                .setExitCode(last == null ? null : last.getExitCode())
                .setFinishedAt(finishedAt.truncatedTo(ChronoUnit.MILLIS))
                .setWaitingReason(cs.getState() == null || cs.getState().getWaiting() == null ? null
                        : blankToNull(cs.getState().getWaiting().getReason()))
                .setMessage(message == null ? null : Utf8Tail.keepEnd(message, MAX_MESSAGE_BYTES))
                .build();
        LOG.debug("{}: restart {} ({}, exit {})", key, count, restart.getTerminatedReason(), restart.getExitCode());
        sink.send(config.topic(), key, restart);
    }

    /** The start of an image-pull failure episode, as a PodRestart without a termination. */
    private void emitImagePull(Pod pod, ContainerStatus cs, String key, int count) {
        final String waiting = cs.getState().getWaiting().getReason();
        final String message = blankToNull(cs.getState().getWaiting().getMessage());
        final PodRestart record = PodRestart.newBuilder()
                .setCluster(config.cluster())
                .setNamespace(pod.getMetadata().getNamespace())
                .setPod(pod.getMetadata().getName())
                .setContainer(cs.getName())
                .setNode(pod.getSpec() == null ? null : blankToNull(pod.getSpec().getNodeName()))
                .setRestartCount(count)
                .setTerminatedReason(null)
                .setExitCode(null)
                // No container has run, so nothing finished: the episode's time is when it was seen.
                .setFinishedAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setWaitingReason(waiting)
                .setMessage(message == null ? null : Utf8Tail.keepEnd(message, MAX_MESSAGE_BYTES))
                .build();
        LOG.debug("{}: cannot pull its image ({})", key, waiting);
        sink.send(config.topic(), key, record);
    }

    /** The tail of the previous container's log, or null when there is none or it cannot be had. */
    private String previousLog(String namespace, String pod, String container, String key) {
        try {
            // A GET of the log subresource, not fabric8's PodResource.getLog(): that first lists and
            // watches the pod to wait for it to become ready, a list and a watch on the API server
            // per restart, for a container that is known to have terminated.
            final String log = logClient.raw("/api/v1/namespaces/" + pathSegment(namespace) + "/pods/"
                    + pathSegment(pod) + "/log?container=" + pathSegment(container) + "&previous=true&tailLines="
                    + config.logTailLines());
            logHealth.success(clock.instant());
            return log == null ? null : blankToNull(log.stripTrailing());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 400 || e.getCode() == 404) {
                // The API answers; this container just has no previous log (any more).
                logHealth.success(clock.instant());
                LOG.debug("{}: no previous log: {}", key, describe(e));
            } else {
                logHealth.failure(clock.instant(), "fetching previous container logs: " + describe(e));
            }
            return null;
        } catch (RuntimeException e) {
            logHealth.failure(clock.instant(), "fetching previous container logs: " + describe(e));
            return null;
        }
    }

    private static String pathSegment(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    /** Drops ledger entries of this cluster's pods that no longer exist, in namespaces that were seen whole. */
    private void prune(Set<String> presentPods, Predicate<String> namespaceCovered) {
        final String prefix = config.cluster() + "/";
        int removed = 0;
        for (String key : ledger.keys()) {
            if (!key.startsWith(prefix)) {
                continue;
            }
            final String[] parts = key.split("/", 4);
            if (parts.length == 4 && namespaceCovered.test(parts[1]) && !presentPods.contains(parts[1] + "/" + parts[2])) {
                ledger.remove(key);
                removed++;
            }
        }
        if (removed > 0) {
            LOG.debug("kubernetes {}: forgot {} container(s) of pods that are gone", config.cluster(), removed);
        }
    }

    private void forget(Pod pod) {
        final ObjectMeta meta = pod.getMetadata();
        if (meta == null || meta.getName() == null) {
            return;
        }
        final String prefix = key(meta.getNamespace(), meta.getName(), "");
        for (String key : ledger.keys()) {
            // Only this pod's entries: a successor with the same name may already be recorded.
            if (key.startsWith(prefix) && ledger.get(key).map(e -> e.podUid().equals(meta.getUid())).orElse(false)) {
                ledger.remove(key);
            }
        }
    }

    private void flushLedger() {
        try {
            ledger.flush();
            ledgerHealth.success(clock.instant());
        } catch (IOException | RuntimeException e) {
            ledgerHealth.failure(clock.instant(), "could not save " + (config.ledgerPath() == null ? "it" : config.ledgerPath()) + ": " + Causes.oneLine(e));
        }
    }

    // ---- informer plumbing ----

    private final class Handler implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            observe(pod, false);
        }

        @Override
        public void onUpdate(Pod oldPod, Pod newPod) {
            observe(newPod, false);
        }

        @Override
        public void onDelete(Pod pod, boolean finalStateUnknown) {
            observe(pod, true);
        }
    }

    private void observe(Pod pod, boolean deleted) {
        apiHealth.success(clock.instant());
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                // A deleted pod's final state may still carry a restart we have not seen.
                final int sent = account(pod);
                if (deleted) {
                    forget(pod);
                }
                if (sent > 0) {
                    flushLedger();
                }
            } catch (RuntimeException e) {
                // Never let one odd pod (or a failing sink) kill the informer's handler thread. The
                // container that failed is not recorded, so its restart is tried again on the pod's
                // next delivery; what the sink accepted before is saved.
                flushLedger();
                LOG.warn("kubernetes {}: could not process pod {}/{}: {}", config.cluster(),
                        pod.getMetadata() == null ? "?" : pod.getMetadata().getNamespace(),
                        pod.getMetadata() == null ? "?" : pod.getMetadata().getName(), describe(e));
            }
        }
    }

    private void afterInitialSync() {
        // Also for an empty namespace, where no pod event would say so.
        apiHealth.success(clock.instant());
        synchronized (lock) {
            if (closed) {
                return;
            }
            final List<Pod> present = new ArrayList<>();
            informers.forEach(i -> present.addAll(i.getStore().list()));
            prune(namesOf(present), ns -> true);
            flushLedger();
            LOG.info("kubernetes {}: watching {} pod(s) in {}", config.cluster(), present.size(),
                    config.allNamespaces() ? "all namespaces" : "namespaces " + String.join(", ", config.namespaces()));
        }
        synced = true;
    }

    private boolean retryAfter(boolean isStarted, Throwable t) {
        apiHealth.failure(clock.instant(), "watching pods: " + describe(t));
        LOG.debug("kubernetes {}: list/watch failure", config.cluster(), t);
        // Unlike fabric8's default, never give up: not before the first sync (a collector that
        // starts while the API server is down should wait for it) and not after a response that
        // does not parse (a proxy's error page, a truncated list): the next list may well be fine.
        return !closed;
    }

    // ---- small helpers ----

    private String key(String namespace, String pod, String container) {
        return config.cluster() + "/" + namespace + "/" + pod + "/" + container;
    }

    private static Set<String> namesOf(List<Pod> pods) {
        final Set<String> names = new HashSet<>();
        for (Pod p : pods) {
            if (p.getMetadata() != null) {
                names.add(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());
            }
        }
        return names;
    }

    private static Instant startOfCurrentContainer(ContainerState state) {
        if (state == null) {
            return null;
        }
        if (state.getRunning() != null) {
            return parseTime(state.getRunning().getStartedAt());
        }
        if (state.getTerminated() != null) {
            return parseTime(state.getTerminated().getStartedAt());
        }
        return null;
    }

    private static Instant parseTime(String rfc3339) {
        if (rfc3339 == null || rfc3339.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(rfc3339).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** The cause and, where there is one, what to do about it; never credentials. */
    private String describe(Throwable t) {
        final Throwable e = Causes.unwrap(t);
        final String server = client.getConfiguration().getMasterUrl();
        if (e instanceof KubernetesClientException k && k.getCode() > 0) {
            final String reason = k.getStatus() == null ? null : blankToNull(k.getStatus().getReason());
            final String message = k.getStatus() == null ? null : blankToNull(k.getStatus().getMessage());
            final StringBuilder out = new StringBuilder("HTTP ").append(k.getCode());
            if (reason != null) {
                out.append(' ').append(reason);
            }
            if (message != null && !message.equals(reason)) {
                out.append(": ").append(message);
            }
            out.append(" from ").append(server);
            switch (k.getCode()) {
                case 401 -> out.append("; check the credentials of the kubeconfig context (--context) or the "
                        + "service account token");
                case 403 -> out.append("; grant list/watch on pods and get on pods/log "
                        + "(deploy/kubernetes/rbac.yaml), or give --no-logs");
                default -> { }
            }
            return out.toString();
        }
        final Throwable root = Causes.root(e);
        if (root instanceof com.fasterxml.jackson.core.JacksonException) {
            return "malformed response from " + server + " (" + Causes.oneLine(root) + ")";
        }
        if (root instanceof java.net.ConnectException || root instanceof java.net.UnknownHostException
                || root instanceof java.nio.channels.UnresolvedAddressException) {
            return "cannot connect to " + server + " (" + Causes.oneLine(root) + "); is the API server up and the "
                    + "kubeconfig's server address right?";
        }
        if (root instanceof java.util.concurrent.TimeoutException || root instanceof java.net.SocketTimeoutException
                || root instanceof java.net.http.HttpTimeoutException) {
            return "no answer from " + server + " in time (" + Causes.oneLine(root) + ")";
        }
        return Causes.oneLine(root) + " (" + server + ")";
    }

    private static RestartLedger openLedger(KubernetesCollectorConfig config) throws IOException {
        return config.ledgerPath() == null ? new InMemoryRestartLedger() : FileRestartLedger.open(config.ledgerPath());
    }

    private static KubernetesClient newClient(KubernetesCollectorConfig config) {
        return KubernetesClients.forContext(config.context());
    }
}
