package io.incidentcorrelator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.incidentcorrelator.collectors.KafkaEventWriter;
import io.incidentcorrelator.collectors.CollectorHealth;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.etcd.EtcdCollector;
import io.incidentcorrelator.collectors.etcd.EtcdConfig;
import io.incidentcorrelator.collectors.etcd.EtcdMember;
import io.incidentcorrelator.collectors.internal.SourceHealth;
import io.incidentcorrelator.collectors.inventory.Inventory;
import io.incidentcorrelator.collectors.inventory.InventoryFile;
import io.incidentcorrelator.collectors.inventory.InventoryFormatException;
import io.incidentcorrelator.collectors.inventory.InventoryPublisher;
import io.incidentcorrelator.collectors.kubernetes.FileRestartLedger;
import io.incidentcorrelator.collectors.kubernetes.InMemoryRestartLedger;
import io.incidentcorrelator.collectors.kubernetes.KubeConfigs;
import io.incidentcorrelator.collectors.kubernetes.KubernetesClients;
import io.incidentcorrelator.collectors.kubernetes.KubernetesCollectorConfig;
import io.incidentcorrelator.collectors.kubernetes.PodRestartCollector;
import io.incidentcorrelator.collectors.proxmox.ApiToken;
import io.incidentcorrelator.collectors.proxmox.BackupPhaseDedup;
import io.incidentcorrelator.collectors.proxmox.BackupTaskPoller;
import io.incidentcorrelator.collectors.proxmox.MemoryPoller;
import io.incidentcorrelator.collectors.proxmox.ProxmoxClient;
import io.incidentcorrelator.collectors.proxmox.ProxmoxConfig;
import io.incidentcorrelator.collectors.proxmox.hook.HookEndpoint;
import io.incidentcorrelator.config.CollectorBuiltIns;
import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.homelab.Homelab;
import io.incidentcorrelator.runtime.CorrelatorService;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.sinks.HttpSender;
import io.incidentcorrelator.sinks.IncidentAlerts;
import io.incidentcorrelator.sinks.IncidentSink;
import io.incidentcorrelator.sinks.IncidentSource;
import io.incidentcorrelator.sinks.Secrets;
import io.incidentcorrelator.sinks.WebhookSink;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.topics.TopicNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The collectors and sinks a {@code homelab.yaml} names, run inside {@code run}: each built from the
 * same classes and helpers as its {@code collect ...} / {@code sink ...} command, each writing to or
 * reading from its topics on the cluster {@code run} uses (the embedded broker of the box). Their
 * sources' health joins {@code run}'s {@code /health/ready} (one check per collector or sink: DOWN
 * while a source has failed for longer than the failure budget) and its {@code /metrics}.
 *
 * <p>{@link #prepare} does everything that can fail on the configuration (token files read, URLs
 * and certificates checked, ports free) before the box starts; {@link #start} then only connects.
 */
final class HomelabServices implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HomelabServices.class);
    /** As {@code collect --failure-budget}'s default. */
    static final Duration FAILURE_BUDGET = ConfigLoader.parseDuration(CollectorBuiltIns.FAILURE_BUDGET);
    private static final Duration FLUSH = ConfigLoader.parseDuration(CollectorBuiltIns.FLUSH_TIMEOUT);

    /** One collector or sink: starts on its own threads, says how its sources are, stops. */
    private interface Part {
        String name();

        void start(Context context) throws Exception;

        Collection<SourceHealth> sources();

        void stop() throws Exception;
    }

    /** What the parts write to and read from, once the box is up. */
    private record Context(EventWriter events, ExistingCluster kafka) {
    }

    private final Homelab homelab;
    private final ConfigLoader config;
    private final TopicNames topics;
    private final List<Part> parts = new ArrayList<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    private KafkaEventWriter events;

    private HomelabServices(Homelab homelab, ConfigLoader config) {
        this.homelab = homelab;
        this.config = config;
        this.topics = config.correlatorConfig().topics();
    }

    /** Checks and builds every part of {@code homelab}; nothing is started, connected or written. */
    static HomelabServices prepare(Homelab homelab, ConfigLoader config) throws IOException {
        final HomelabServices services = new HomelabServices(homelab, config);
        services.build();
        return services;
    }

    /** The names of the parts, in start order: what the log's start line lists. */
    List<String> names() {
        return parts.stream().map(Part::name).toList();
    }

    private void build() throws IOException {
        final BackupPhaseDedup[] shared = {null};
        homelab.proxmox().ifPresent(pve -> {
            final ApiToken token = pve.tokenFile() == null ? null : proxmoxToken(pve);
            pve.backupTasks().ifPresent(b -> {
                final ProxmoxConfig api = ProxmoxOptions.config(pve.url(), token, tls(pve.caFile(), pve.insecure(),
                        "proxmox.insecure"), pve.nodes(), b.interval(), pve.timeout())
                        .withBackupLookback(b.lookback())
                        .withTopics(topics.backupEvents(), topics.proxmoxMemory());
                shared[0] = io(() -> HookOptions.dedup(b.sentPhasesFile(), b.lookback()));
                final BackupPhaseDedup dedup = shared[0];
                parts.add(new Polling("collect proxmox-backup", () -> {
                    final BackupTaskPoller poller = new BackupTaskPoller(new ProxmoxClient(api), api, events, dedup);
                    return new Poll(poller::pollOnce, poller::nextPollDelay, poller::sources);
                }));
            });
            pve.memory().ifPresent(m -> {
                final ProxmoxConfig api = ProxmoxOptions.config(pve.url(), token, tls(pve.caFile(), pve.insecure(),
                        "proxmox.insecure"), pve.nodes(), m.interval(), pve.timeout())
                        .withTopics(topics.backupEvents(), topics.proxmoxMemory());
                parts.add(new Polling("collect proxmox-memory", () -> {
                    final MemoryPoller poller = new MemoryPoller(new ProxmoxClient(api), api, events);
                    return new Poll(poller::pollOnce, poller::nextPollDelay, poller::sources);
                }));
            });
            pve.hook().ifPresent(h -> {
                final InetSocketAddress bind = HookOptions.parseAddress(h.listen());
                WebOptions.requireFree(bind.getHostString(), bind.getPort(), "vzdump hook endpoint",
                        "proxmox.hook.listen in " + homelab.source());
                final Inventory storage = inventory();
                // With the task poller in this process, a phase both report is sent once.
                final BackupPhaseDedup dedup = shared[0] != null ? shared[0]
                        : io(() -> HookOptions.dedup((java.nio.file.Path) null, Duration.ZERO));
                parts.add(new HookPart(h, storage, dedup));
            });
        });
        for (Homelab.KubernetesCluster k : homelab.kubernetes()) {
            final KubernetesCollectorConfig kube;
            try {
                kube = KubernetesCollectorConfig.of(k.cluster()).withContext(k.context())
                        .withNamespaces(k.namespaces())
                        .withLogs(k.logs(), Integer.parseInt(CollectorBuiltIns.KUBERNETES_LOG_LINES)).withLedgerPath(k.ledger())
                        .withResyncPeriod(k.resync()).withTopic(topics.podRestarts());
                // Read now: a missing context or a broken file stops the start, not a thread later.
                final io.fabric8.kubernetes.client.Config read = KubeConfigs.fromFile(k.kubeconfig(), k.context());
                final List<String> contexts = read.getContexts() == null ? List.of()
                        : read.getContexts().stream().map(c -> c.getName()).toList();
                if (k.context() != null && !contexts.contains(k.context())) {
                    throw new ConfigException(homelab.source() + ": kubernetes.clusters." + k.cluster()
                            + ".context: " + k.kubeconfig() + " has no context \"" + k.context() + "\" (expected: one "
                            + "of " + String.join(", ", contexts) + ")");
                }
            } catch (ConfigException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new ConfigException(homelab.source() + ": kubernetes.clusters." + k.cluster() + ": "
                        + k.kubeconfig() + ": " + Messages.describe(e));
            }
            parts.add(new KubernetesPart(k, kube));
        }
        for (Homelab.EtcdCluster e : homelab.etcd()) {
            final EtcdConfig etcd;
            try {
                etcd = EtcdConfig.of(e.cluster(), e.endpoints().stream().map(EtcdMember::parse).toList())
                        .withInterval(e.interval())
                        .withTls(tls(e.caFile(), e.insecure(), "etcd.clusters." + e.cluster() + ".insecure"))
                        .withTopic(topics.etcdLatency());
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(homelab.source() + ": etcd.clusters." + e.cluster() + ": " + ex.getMessage());
            }
            parts.add(new Polling("collect etcd " + e.cluster(), () -> {
                final EtcdCollector collector = new EtcdCollector(etcd, events);
                return new Poll(collector::pollOnce, collector::nextPollDelay, collector::sources);
            }));
        }
        homelab.inventory().ifPresent(i -> {
            final InventoryPublisher[] publisher = {null};
            parts.add(new Polling("collect inventory", () -> new Poll(() -> {
                // Read every round, as collect inventory does: an edited file is sent at the next one.
                publisher[0] = new InventoryPublisher(inventory(), topics);
                return publisher[0].publish(events);
            }, i::interval, List::of)));
        });
        homelab.alertmanager().ifPresent(a -> {
            final HttpSender http = SinkOptions.sender(a.basicAuthUser(),
                    Secrets.read("basic auth password", null, a.basicAuthPasswordFile(), Map.of()),
                    Secrets.read("bearer token", null, a.bearerTokenFile(), Map.of()), a.caFile(),
                    Duration.ofSeconds(10), HttpSender.Retry.defaults());
            parts.add(new SinkPart("alertmanager", true, () -> SinkAlertmanagerCommand.sinks(a.url(), http,
                    a.alertNames(), a.clusterLabel(), a.margin(), "incident-correlator",
                    IncidentAlerts.Settings.defaults(a.clusterLabel()))));
        });
        homelab.webhook().ifPresent(w -> {
            final java.net.URI url = SinkWebhookCommand.parseUrl(Secrets.read("webhook URL", null, w.urlFile(),
                    Map.of()));
            final String secret = Secrets.read("webhook signature secret", null, w.signatureSecretFile(), Map.of());
            final HttpSender http = SinkOptions.sender(null, null, null, w.caFile(), Duration.ofSeconds(10),
                    HttpSender.Retry.defaults());
            final WebhookSink sink = SinkWebhookCommand.webhook(url, http, secret, w.unsigned(),
                    WebhookSink.DEFAULT_SIGNATURE_HEADER, (id, incident) -> true);
            parts.add(new SinkPart("webhook", false, () -> sink));
        });
    }

    private ApiToken proxmoxToken(Homelab.Proxmox pve) {
        try {
            return ApiToken.fromFile(pve.tokenId(), pve.tokenFile());
        } catch (RuntimeException e) {
            // The messages name the file, never the secret.
            throw new ConfigException(homelab.source() + ": proxmox.token-file: " + e.getMessage());
        }
    }

    private io.incidentcorrelator.collectors.TlsOptions tls(java.nio.file.Path ca, boolean insecure, String key) {
        return TlsFlags.resolve(ca, insecure, key + " in " + homelab.source());
    }

    private Inventory inventory() {
        final Homelab.InventorySource source = homelab.inventory().orElseThrow();
        if (source.file() != null) {
            return InventoryOptions.load(source.file());
        }
        try {
            return InventoryFile.parse(homelab.source() + ": inventory.inline", source.yaml());
        } catch (InventoryFormatException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    @FunctionalInterface
    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T io(IoSupplier<T> action) {
        try {
            return action.get();
        } catch (IOException e) {
            throw new ConfigException(Messages.describe(e));
        }
    }

    /**
     * Starts every part against the cluster {@code run} uses, and adds their health to
     * {@code service}'s readiness and metrics.
     */
    void start(String bootstrap, SchemaRegistryClient registry, Map<String, String> clientOverrides,
               CorrelatorService service) throws Exception {
        // Not ready before every part runs: a box whose collectors are not collecting yet is not the homelab.
        final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
        service.addReadinessCheck("homelab_starting", () -> started.get() ? Optional.empty()
                : Optional.of("starting the collectors and sinks of " + homelab.source()));
        final Map<String, String> written = new LinkedHashMap<>();
        for (Topic<?> t : Topic.ALL) {
            if (t.input()) {
                written.put(topics.name(t), topics.name(t));
            }
        }
        events = CollectorCommand.kafkaSink(config, topics, written, bootstrap, registry,
                "incident-correlator-homelab");
        final Context context = new Context(events, new ExistingCluster(bootstrap, registry, topics.incidents(),
                clientOverrides, topics));
        final List<SourceHealth> all = new ArrayList<>();
        for (Part part : parts) {
            part.start(context);
            final CollectorHealth health = new CollectorHealth(part.name(), FAILURE_BUDGET, Clock.systemUTC(),
                    part::sources);
            service.addReadinessCheck(part.name().replace(' ', '_').replace('-', '_'), () -> {
                final List<SourceHealth> down = health.overBudget();
                return down.isEmpty() ? Optional.empty() : Optional.of(down.stream().map(s -> s.source()
                        + " failing since " + s.failingSince() + ": " + s.lastReason()).reduce((x, y) -> x + "; " + y)
                        .orElse(""));
            });
            LOG.info("homelab: {} started", part.name());
        }
        // One family per metric in /metrics: the sources of all parts under one collector label.
        final CollectorHealth everything = new CollectorHealth("run", FAILURE_BUDGET, Clock.systemUTC(), () -> {
            all.clear();
            parts.forEach(p -> all.addAll(p.sources()));
            return List.copyOf(all);
        });
        service.addMetrics(everything::metrics);
        started.set(true);
    }

    /** Stops every part, then flushes what the collectors sent. */
    @Override
    public void close() {
        stop.countDown();
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).stop();
            } catch (Exception e) {
                LOG.warn("homelab: stopping {}: {}", parts.get(i).name(), e.toString());
            }
        }
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (events != null) {
            final KafkaEventWriter.Totals totals = events.close(FLUSH);
            if (totals.complete()) {
                LOG.info("homelab: collectors and sinks stopped, every record delivered ({})", totals.delivered());
            } else {
                LOG.warn("homelab: collectors and sinks stopped; {} record(s) were not delivered to Kafka ({} "
                        + "delivered)", totals.lost(), totals.delivered());
            }
        }
    }

    private Thread thread(String name, Runnable body) {
        final Thread t = new Thread(body, "homelab " + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    private boolean stopRequested(Duration wait) throws InterruptedException {
        return stop.await(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** A poller's round, its pace and its sources. */
    private record Poll(CollectorCommand.Round round, Supplier<Duration> delay,
                        Supplier<? extends Collection<SourceHealth>> sources) {
    }

    @FunctionalInterface
    private interface PollFactory {
        Poll create() throws Exception;
    }

    /** A collector that polls: the loop of {@code collect ...} without {@code --once}, on its own thread. */
    private final class Polling implements Part {
        private final String name;
        private final PollFactory factory;
        private volatile Poll poll;

        Polling(String name, PollFactory factory) {
            this.name = name;
            this.factory = factory;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void start(Context context) throws Exception {
            final Poll p = factory.create();
            poll = p;
            thread(name, () -> {
                try {
                    CollectorCommand.pollUntilStopped(name, p.round(), p.delay(), HomelabServices.this::stopRequested);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }

        @Override
        public Collection<SourceHealth> sources() {
            final Poll p = poll;
            return p == null ? List.of() : List.copyOf(p.sources().get());
        }

        @Override
        public void stop() {
            // The loop sees the stop latch.
        }
    }

    private final class HookPart implements Part {
        private final Homelab.Hook hook;
        private final Inventory storage;
        private final BackupPhaseDedup dedup;
        private HookEndpoint endpoint;

        HookPart(Homelab.Hook hook, Inventory storage, BackupPhaseDedup dedup) {
            this.hook = hook;
            this.storage = storage;
            this.dedup = dedup;
        }

        @Override
        public String name() {
            return "collect proxmox-hook";
        }

        @Override
        public void start(Context context) throws IOException {
            endpoint = HookOptions.start(hook.listen(), hook.tokenFile(), hook.tlsCert(), hook.tlsKey(), storage,
                    context.events(), topics.backupEvents(), dedup);
        }

        @Override
        public Collection<SourceHealth> sources() {
            return endpoint == null ? List.of() : List.of(endpoint.health());
        }

        @Override
        public void stop() {
            if (endpoint != null) {
                endpoint.close();
            }
        }
    }

    private final class KubernetesPart implements Part {
        private final Homelab.KubernetesCluster cluster;
        private final KubernetesCollectorConfig config;
        private KubernetesClient client;
        private PodRestartCollector collector;

        KubernetesPart(Homelab.KubernetesCluster cluster, KubernetesCollectorConfig config) {
            this.cluster = cluster;
            this.config = config;
        }

        @Override
        public String name() {
            return "collect kubernetes " + cluster.cluster();
        }

        @Override
        public void start(Context context) throws IOException {
            // The ledger is opened first: if it fails there is no client to leak.
            final var ledger = config.ledgerPath() == null ? new InMemoryRestartLedger()
                    : FileRestartLedger.open(config.ledgerPath());
            client = KubernetesClients.forKubeconfig(cluster.kubeconfig(), cluster.context());
            collector = new PodRestartCollector(config, context.events(), client, ledger);
            collector.start();
        }

        @Override
        public Collection<SourceHealth> sources() {
            return collector == null ? List.of() : collector.sources();
        }

        @Override
        public void stop() {
            if (collector != null) {
                collector.close();
            }
            if (client != null) {
                client.close();
            }
        }
    }

    @FunctionalInterface
    private interface SinkFactory {
        IncidentSink create() throws Exception;
    }

    /**
     * A sink: the loop of {@code sink KIND}. Where the command exits when the target keeps failing
     * (and its supervisor starts it again), this part starts over from the group's committed
     * position after a pause, failing readiness once that has gone on longer than the budget.
     */
    private final class SinkPart implements Part {
        private final String kind;
        private final boolean fromBeginning;
        private final SinkFactory factory;
        private final SourceHealth health;
        private volatile IncidentSource source;

        SinkPart(String kind, boolean fromBeginning, SinkFactory factory) {
            this.kind = kind;
            this.fromBeginning = fromBeginning;
            this.factory = factory;
            this.health = new SourceHealth("sink " + kind, Duration.ofSeconds(5), Duration.ofMinutes(5), LOG);
        }

        @Override
        public String name() {
            return "sink " + kind;
        }

        @Override
        public void start(Context context) {
            thread(name(), () -> {
                try {
                    while (stop.getCount() > 0) {
                        try (IncidentSource s = SinkOptions.source(context.kafka(), SinkOptions.groupId(null, kind),
                                fromBeginning)) {
                            source = s;
                            if (stop.getCount() == 0) {
                                return;
                            }
                            final IncidentSink sink = factory.create();
                            health.success(Instant.now());
                            SinkOptions.consume(s, false, sink);
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            health.failure(Instant.now(), Messages.describe(e));
                        } finally {
                            source = null;
                        }
                        if (stopRequested(Duration.ofSeconds(5))) {
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }

        @Override
        public Collection<SourceHealth> sources() {
            return List.of(health);
        }

        @Override
        public void stop() {
            final IncidentSource s = source;
            if (s != null) {
                s.wakeup();
            }
        }
    }
}
