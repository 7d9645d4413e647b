package io.incidentcorrelator.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.testing.LogCapture;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The collector against fabric8's mock API server in CRUD mode: pods are created and their status
 * updated the way the kubelet reports restarts; the watch is cut, answered 410 Gone, and the
 * collector restarted. Every test ends with a "marker" restart on another pod: informers deliver
 * in order, so once the marker's event is in, any duplicate from before it would be too.
 */
@Timeout(20)
class PodRestartCollectorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String NS = "kube-system";

    private MockKube kube;
    private RecordingWriter sink;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final AtomicInteger markers = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        kube = new MockKube();
        sink = new RecordingWriter();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        kube.close();
    }

    // ---- the events ----

    @Test
    void oneEventPerIncreaseWithTheKubeletsFields() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config(), ledger, Clock.systemUTC(), kube.client());
        kube.createPod(NS, "kube-scheduler-cp-01", "talos-cp-01", List.of("wait-for-etcd"), List.of("kube-scheduler"));

        kube.restart(NS, "kube-scheduler-cp-01", "kube-scheduler", 1, "Error", 1, "2026-02-26T02:23:00Z",
                "leaderelection lost");
        awaitRestarts(1);
        final RecordingWriter.Sent first = sink.sent().get(0);
        assertEquals("pod-restarts", first.topic());
        assertEquals("prod/kube-system/kube-scheduler-cp-01/kube-scheduler", first.key());
        final PodRestart r1 = (PodRestart) first.value();
        assertEquals("prod", r1.getCluster());
        assertEquals(NS, r1.getNamespace());
        assertEquals("kube-scheduler-cp-01", r1.getPod());
        assertEquals("kube-scheduler", r1.getContainer());
        assertEquals("talos-cp-01", r1.getNode());
        assertEquals(1, r1.getRestartCount());
        assertEquals("Error", r1.getTerminatedReason());
        assertEquals(1, r1.getExitCode());
        assertEquals(Instant.parse("2026-02-26T02:23:00Z"), r1.getFinishedAt());
        assertEquals("CrashLoopBackOff", r1.getWaitingReason());
        assertEquals("leaderelection lost", r1.getMessage());
        assertEquals(0, kube.logRequests(), "a termination message makes the log fetch unnecessary");

        // No termination message: the previous container's log tail stands in.
        kube.setLog(NS, "kube-scheduler-cp-01", "kube-scheduler", 200,
                "I0226 starting\nE0226 failed to renew lease: context deadline exceeded\n");
        final int listsBefore = kube.listRequests();
        final int watchesBefore = kube.watchRequests();
        kube.restart(NS, "kube-scheduler-cp-01", "kube-scheduler", 2, "Error", 1, "2026-02-26T02:31:00Z", null);
        awaitRestarts(2);
        assertEquals("I0226 starting\nE0226 failed to renew lease: context deadline exceeded", restarts().get(1).getMessage());
        assertEquals(1, kube.logRequests());
        assertEquals(listsBefore, kube.listRequests(), "the log fetch lists no pods");
        assertEquals(watchesBefore, kube.watchRequests(), "the log fetch opens no watch");

        // A status change that is not a restart.
        kube.updateContainer(NS, "kube-scheduler-cp-01", "kube-scheduler", b -> b.withReady(true));

        // Init containers restart too.
        kube.restart(NS, "kube-scheduler-cp-01", "wait-for-etcd", 1, "Error", 2, "2026-02-26T02:32:00Z", "no etcd");
        awaitRestarts(3);
        assertEquals("prod/kube-system/kube-scheduler-cp-01/wait-for-etcd", sink.sent().get(2).key());

        // Three restarts between two observations: one event, for the latest.
        kube.restart(NS, "kube-scheduler-cp-01", "kube-scheduler", 5, "Error", 1, "2026-02-26T02:40:00Z", "again");
        awaitRestarts(4);

        marker(ledger);
        assertEquals(List.of(1, 2, 1, 5, 1), restarts().stream().map(PodRestart::getRestartCount).toList());
    }

    @Test
    void oomKilledAndExit137AreCarriedThrough() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config(), ledger, Clock.systemUTC(), kube.client());
        kube.createPod("monitoring", "prometheus-0", "prometheus");
        kube.restart("monitoring", "prometheus-0", "prometheus", 1, "OOMKilled", 137, "2026-02-26T03:00:00Z", null);
        awaitRestarts(1);
        final PodRestart r = restarts().get(0);
        assertEquals("OOMKilled", r.getTerminatedReason());
        assertEquals(137, r.getExitCode());
        assertNull(r.getMessage(), "no termination message and no previous log (404)");
    }

    @Test
    void messagesAreCutTo4KiBKeepingTheEnd() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config(), ledger, Clock.systemUTC(), kube.client());
        kube.createPod(NS, "etcd-cp-01", "etcd");

        kube.restart(NS, "etcd-cp-01", "etcd", 1, "Error", 2, "2026-02-26T02:23:00Z", "x".repeat(10_000) + "THE END");
        awaitRestarts(1);
        final String fromTermination = restarts().get(0).getMessage();
        assertEquals(PodRestartCollector.MAX_MESSAGE_BYTES, fromTermination.getBytes(StandardCharsets.UTF_8).length);
        assertTrue(fromTermination.endsWith("THE END"));

        final StringBuilder log = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            log.append("zeile ").append(i).append(": Schlüsselübergabe fehlgeschlagen, nächster Versuch\n");
        }
        log.append("FINAL: leader changed\n");
        kube.setLog(NS, "etcd-cp-01", "etcd", 200, log.toString());
        kube.restart(NS, "etcd-cp-01", "etcd", 2, "Error", 2, "2026-02-26T02:33:00Z", null);
        awaitRestarts(2);
        final String fromLog = restarts().get(1).getMessage();
        assertTrue(fromLog.getBytes(StandardCharsets.UTF_8).length <= PodRestartCollector.MAX_MESSAGE_BYTES);
        assertTrue(fromLog.getBytes(StandardCharsets.UTF_8).length > PodRestartCollector.MAX_MESSAGE_BYTES - 4);
        assertTrue(fromLog.endsWith("FINAL: leader changed"));
        assertFalse(fromLog.contains("\uFFFD"), "not cut inside a character");
    }

    @Test
    void aFailingLogFetchLeavesTheMessageOutButNotTheEvent() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config(), ledger, Clock.systemUTC(), kube.client());
        kube.createPod(NS, "coredns-1", "coredns");

        kube.setLog(NS, "coredns-1", "coredns", 500, "internal error");
        kube.restart(NS, "coredns-1", "coredns", 1, "Error", 1, "2026-02-26T02:23:00Z", null);
        awaitRestarts(1);
        kube.setLog(NS, "coredns-1", "coredns", 403, "forbidden");
        kube.restart(NS, "coredns-1", "coredns", 2, "Error", 1, "2026-02-26T02:24:00Z", "");
        awaitRestarts(2);

        assertTrue(kube.logRequests() >= 2);
        restarts().forEach(r -> assertNull(r.getMessage()));
        assertEquals(List.of(1, 2), restarts().stream().map(PodRestart::getRestartCount).toList());
    }

    @Test
    void logsAreNotFetchedWhenTurnedOff() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config().withLogs(false, 40), ledger, Clock.systemUTC(), kube.client());
        kube.createPod(NS, "coredns-1", "coredns");
        kube.setLog(NS, "coredns-1", "coredns", 200, "would be here");
        kube.restart(NS, "coredns-1", "coredns", 1, "Error", 1, "2026-02-26T02:23:00Z", null);
        awaitRestarts(1);
        assertNull(restarts().get(0).getMessage());
        assertEquals(0, kube.logRequests());
    }

    @Test
    void withoutFinishedAtTheCurrentContainersStartIsTheEventTime() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config(), ledger, Clock.systemUTC(), kube.client());
        kube.createPod(NS, "cilium-abc", "cilium-agent");
        kube.updateContainer(NS, "cilium-abc", "cilium-agent", b -> b.withRestartCount(1)
                .withNewLastState().withNewTerminated().withReason("Error").withExitCode(1).endTerminated().endLastState()
                .withNewState().withNewRunning().withStartedAt("2026-02-26T04:05:06Z").endRunning().endState());
        awaitRestarts(1);
        final PodRestart r = restarts().get(0);
        assertEquals(Instant.parse("2026-02-26T04:05:06Z"), r.getFinishedAt());
        assertNull(r.getWaitingReason());
    }

    @Test
    void aRestartTheSinkRefusedIsSentOnThePodsNextDelivery() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        final AtomicInteger refusals = new AtomicInteger(1);
        final EventWriter flaky = (topic, key, value) -> {
            if (key.contains("/api-") && refusals.getAndDecrement() > 0) {
                throw new IllegalStateException("producer buffer full");
            }
            sink.send(topic, key, value);
        };
        final PodRestartCollector c = new PodRestartCollector(config(), flaky, ledger, kube.client(), false,
                Clock.systemUTC());
        toClose.add(c);
        c.start();
        await("initial sync").atMost(WAIT).until(c::hasSynced);
        kube.createPod(NS, "api-0", "api");
        await("api-0 seen").atMost(WAIT).until(() -> ledger.get("prod/kube-system/api-0/api").isPresent());
        kube.restart(NS, "api-0", "api", 1, "Error", 1, "2026-02-26T02:23:00Z", "m");
        await("the refusal").atMost(WAIT).until(() -> refusals.get() <= 0);
        assertEquals(0, ledger.get("prod/kube-system/api-0/api").orElseThrow().restartCount(), "not recorded");

        kube.updateContainer(NS, "api-0", "api", b -> b.withReady(false));
        awaitRestarts(1);
        marker(ledger);
        assertEquals(List.of(1, 1), restarts().stream().map(PodRestart::getRestartCount).toList());
    }

    // ---- never twice ----

    @Test
    void aDroppedWatchAndResyncsRepeatNothing() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config().withResyncPeriod(Duration.ofMillis(100)), ledger, Clock.systemUTC(), kube.client());
        kube.createPod(NS, "kube-apiserver-cp-01", "kube-apiserver");
        kube.restart(NS, "kube-apiserver-cp-01", "kube-apiserver", 1, "Error", 1, "2026-02-26T02:23:00Z", "m1");
        awaitRestarts(1);

        kube.dropConnections();
        kube.restart(NS, "kube-apiserver-cp-01", "kube-apiserver", 2, "Error", 1, "2026-02-26T02:24:00Z", "m2");
        awaitRestarts(2);

        kube.dropConnections();
        sleep(400); // several resyncs and a reconnect
        kube.restart(NS, "kube-apiserver-cp-01", "kube-apiserver", 3, "Error", 1, "2026-02-26T02:25:00Z", "m3");
        awaitRestarts(3);

        marker(ledger);
        assertEquals(List.of(1, 2, 3, 1), restarts().stream().map(PodRestart::getRestartCount).toList());
    }

    @Test
    void aRelistAfter410GoneRepeatsNothing() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config(), ledger, Clock.systemUTC(), kube.client());
        kube.createPod(NS, "kube-controller-manager-cp-01", "kube-controller-manager");
        kube.createPod(NS, "etcd-cp-01", "etcd");
        kube.restart(NS, "kube-controller-manager-cp-01", "kube-controller-manager", 1, "Error", 1,
                "2026-02-26T02:23:00Z", "lost lease");
        kube.restart(NS, "etcd-cp-01", "etcd", 4, "Error", 2, "2026-02-26T02:23:30Z", "slow fsync");
        awaitRestarts(2);

        final int listsBefore = kube.listRequests();
        kube.answerNextWatchesGone(1);
        kube.dropConnections();
        await("a relist after 410 Gone").atMost(WAIT)
                .until(() -> kube.goneWatches() == 1 && kube.listRequests() > listsBefore);

        kube.restart(NS, "etcd-cp-01", "etcd", 5, "Error", 2, "2026-02-26T02:40:00Z", "slow fsync");
        awaitRestarts(3);
        marker(ledger);
        assertEquals(List.of(1, 4, 5, 1), restarts().stream().map(PodRestart::getRestartCount).toList());
    }

    @Test
    void aRestartedCollectorResumesFromItsLedgerFile(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("state/ledger.json");
        final KubernetesClient firstClient = kube.newClient();
        final PodRestartCollector first = start(config().withLedgerPath(file), FileRestartLedger.open(file),
                Clock.systemUTC(), firstClient);
        kube.createPod(NS, "kube-scheduler-cp-01", "kube-scheduler");
        kube.createPod(NS, "etcd-cp-01", "etcd");
        kube.restart(NS, "kube-scheduler-cp-01", "kube-scheduler", 1, "Error", 1, "2026-02-26T02:23:00Z", "m");
        kube.restart(NS, "etcd-cp-01", "etcd", 1, "Error", 2, "2026-02-26T02:23:10Z", "m");
        awaitRestarts(2);
        first.close();
        firstClient.close();
        final String saved = Files.readString(file);
        assertTrue(saved.contains("\"prod/kube-system/kube-scheduler-cp-01/kube-scheduler\""), saved);

        // While it is down: one more restart of a known pod, a new pod that restarted, an idle pod.
        kube.restart(NS, "kube-scheduler-cp-01", "kube-scheduler", 2, "Error", 1, "2026-02-26T03:00:00Z", "down");
        kube.createPod(NS, "kube-proxy-x", "kube-proxy");
        kube.restart(NS, "kube-proxy-x", "kube-proxy", 1, "Error", 1, "2026-02-26T03:01:00Z", "new pod");

        final FileRestartLedger reopened = FileRestartLedger.open(file);
        start(config().withLedgerPath(file), reopened, Clock.systemUTC(), kube.newClient());
        awaitRestarts(4);
        marker(reopened);
        final List<String> sent = sink.sent().stream()
                .map(s -> s.key() + "#" + ((PodRestart) s.value()).getRestartCount()).toList();
        assertEquals(List.of("prod/kube-system/kube-scheduler-cp-01/kube-scheduler#1", "prod/kube-system/etcd-cp-01/etcd#1"),
                sent.subList(0, 2));
        assertEquals(Set.of("prod/kube-system/kube-scheduler-cp-01/kube-scheduler#2", "prod/kube-system/kube-proxy-x/kube-proxy#1"),
                Set.copyOf(sent.subList(2, 4)));
        assertEquals(5, restarts().size(), "four restarts and the marker, nothing twice");
    }

    @Test
    void anEmptyLedgerTakesExistingCountsAsHistory() {
        kube.createPod(NS, "etcd-cp-01", "etcd");
        kube.restart(NS, "etcd-cp-01", "etcd", 3, "Error", 2, "2026-02-25T22:00:00Z", "old");
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        // The mock stamps creationTimestamp in whole seconds; a clock a little ahead makes pods created
        // just before start() unambiguously older than it.
        start(config(), ledger, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(2)), kube.client());
        await("etcd baselined").atMost(WAIT).until(() -> ledger.get("prod/kube-system/etcd-cp-01/etcd").isPresent());
        assertEquals(3, ledger.get("prod/kube-system/etcd-cp-01/etcd").orElseThrow().restartCount());
        assertEquals(0, restarts().size());

        kube.restart(NS, "etcd-cp-01", "etcd", 4, "Error", 2, "2026-02-26T02:23:00Z", "new");
        awaitRestarts(1);
        assertEquals(4, restarts().get(0).getRestartCount());
    }

    @Test
    void aPodCreatedInTheBaselinesOwnSecondIsNotHistory() {
        kube.createPod(NS, "api-7d9f", "api");
        kube.updateContainer(NS, "api-7d9f", "api", b -> b.withNewState().withNewWaiting().withReason("ErrImagePull")
                .endWaiting().endState());
        final Instant created = Instant.parse(kube.client().pods().inNamespace(NS).withName("api-7d9f").get()
                .getMetadata().getCreationTimestamp());
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        // The API stamps whole seconds: a baseline half a second into the pod's creation second
        // cannot tell whether the pod came before it, and a new pod's failure must not be lost.
        start(config(), ledger, Clock.fixed(created.plusMillis(500), ZoneOffset.UTC), kube.client());
        awaitRestarts(1);
        assertEquals("prod/kube-system/api-7d9f/api", sink.sent().get(0).key());
        assertEquals("ErrImagePull", restarts().get(0).getWaitingReason());
    }

    @Test
    void aPodRecreatedUnderTheSameNameStartsOver() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config(), ledger, Clock.systemUTC(), kube.client());
        final String key = "prod/default/web-0/nginx";
        final Pod original = kube.createPod("default", "web-0", "nginx");
        kube.restart("default", "web-0", "nginx", 1, "Error", 1, "2026-02-26T02:23:00Z", "m");
        kube.restart("default", "web-0", "nginx", 2, "Error", 1, "2026-02-26T02:24:00Z", "m");
        awaitRestarts(2);

        kube.deletePod("default", "web-0");
        await("the deleted pod forgotten").atMost(WAIT).until(() -> ledger.get(key).isEmpty());
        final Pod recreated = kube.createPod("default", "web-0", "nginx");
        assertFalse(original.getMetadata().getUid().equals(recreated.getMetadata().getUid()));
        await("the new pod seen").atMost(WAIT).until(() -> ledger.get(key).isPresent());
        kube.restart("default", "web-0", "nginx", 1, "Error", 1, "2026-02-26T02:30:00Z", "m");
        awaitRestarts(3);
        assertEquals(recreated.getMetadata().getUid(), ledger.get(key).orElseThrow().podUid());
        assertEquals(List.of(1, 2, 1), restarts().stream().map(PodRestart::getRestartCount).toList());
    }

    @Test
    void aNewUidWithoutADeleteEventAlsoStartsOver() {
        kube.createPod("default", "web-0", "nginx");
        kube.restart("default", "web-0", "nginx", 1, "Error", 1, "2026-02-26T02:30:00Z", "m");
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        // What a missed delete leaves behind: the predecessor's entry with a higher count.
        ledger.put("prod/default/web-0/nginx", new RestartLedger.Entry("uid-of-the-old-web-0", 7));
        final PodRestartCollector collector = collector(config(), ledger, Clock.systemUTC(), kube.client());
        assertEquals(1, collector.snapshot());
        assertEquals(1, restarts().get(0).getRestartCount());
    }

    @Test
    void snapshotForOnceBaselinesThenEmitsIncreasesAndPrunesGonePods() {
        kube.createPod(NS, "etcd-cp-01", "etcd");
        kube.createPod(NS, "kube-proxy-x", "kube-proxy");
        kube.restart(NS, "etcd-cp-01", "etcd", 2, "Error", 2, "2026-02-25T22:00:00Z", "old");
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        final PodRestartCollector collector = collector(config(), ledger,
                Clock.offset(Clock.systemUTC(), Duration.ofSeconds(2)), kube.client());

        assertEquals(0, collector.snapshot(), "first look with an empty ledger: history only");
        assertEquals(2, ledger.get("prod/kube-system/etcd-cp-01/etcd").orElseThrow().restartCount());
        kube.restart(NS, "etcd-cp-01", "etcd", 3, "OOMKilled", 137, "2026-02-26T02:23:00Z", null);
        assertEquals(1, collector.snapshot());
        assertEquals(0, collector.snapshot());
        assertEquals("OOMKilled", restarts().get(0).getTerminatedReason());

        kube.deletePod(NS, "kube-proxy-x");
        assertEquals(0, collector.snapshot());
        assertTrue(ledger.get("prod/kube-system/kube-proxy-x/kube-proxy").isEmpty());
        assertTrue(ledger.get("prod/kube-system/etcd-cp-01/etcd").isPresent());
    }

    @Test
    void onlyTheConfiguredNamespacesAreWatched() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config().withNamespaces(List.of(NS, "monitoring")), ledger, Clock.systemUTC(), kube.client());
        kube.createPod("default", "web-0", "nginx");
        kube.createPod("monitoring", "prometheus-0", "prometheus");
        kube.restart("default", "web-0", "nginx", 1, "Error", 1, "2026-02-26T02:23:00Z", "m");
        kube.restart("monitoring", "prometheus-0", "prometheus", 1, "OOMKilled", 137, "2026-02-26T02:24:00Z", "m");
        awaitRestarts(1);
        marker(ledger);
        assertEquals(2, sink.sent().size());
        assertEquals("prod/monitoring/prometheus-0/prometheus", sink.sent().get(0).key());
        assertTrue(sink.sent().get(1).key().startsWith("prod/kube-system/marker-"));
    }

    // ---- helpers ----

    private static KubernetesCollectorConfig config() {
        return KubernetesCollectorConfig.of("prod").withResyncPeriod(Duration.ZERO);
    }

    // ---- failures: the informer never goes quiet ----

    @Test
    void aMalformedListIsRetriedAndTheRestartsMissedMeanwhileAreEmittedOnce() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        final String text;
        try (LogCapture log = LogCapture.start()) {
            start(config(), ledger, Clock.systemUTC(), kube.client());
            kube.createPod(NS, "coredns-1", "coredns");
            kube.restart(NS, "coredns-1", "coredns", 1, "Error", 1, "2026-02-26T02:23:00Z", "first");
            awaitRestarts(1);

            // The watch is cut and the relist it forces comes back cut off mid-object (a proxy
            // giving up): fabric8's default would stop the informer for good here.
            final int listsBefore = kube.listRequests();
            kube.answerNextListsMalformed(1);
            kube.answerNextWatchesGone(1);
            kube.dropConnections();
            await("the malformed list and a good one after it").atMost(WAIT)
                    .until(() -> kube.listRequests() >= listsBefore + 2);
            kube.restart(NS, "coredns-1", "coredns", 2, "Error", 1, "2026-02-26T02:24:00Z", "second");
            awaitRestarts(2);
            marker(ledger);
            text = log.text();
        }
        assertEquals(List.of(1, 2, 1), restarts().stream().map(PodRestart::getRestartCount).toList());
        assertEquals(1, count(text, "WARN", "pods: failing", "malformed response"), text);
        assertEquals(1, count(text, "INFO", "pods: recovered after"), text);
        assertFalse(text.contains("will not retry"), text);
    }

    @Test
    void anInformerThatStopsIsReplacedAndTheNewOneEmitsWhatWasMissedOnce() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        final String text;
        try (LogCapture log = LogCapture.start()) {
            final PodRestartCollector c = start(config(), ledger, Clock.systemUTC(), kube.client());
            kube.createPod(NS, "loki-0", "loki");
            kube.restart(NS, "loki-0", "loki", 1, "Error", 1, "2026-02-26T02:23:00Z", "first");
            awaitRestarts(1);

            // Whatever stops it (fabric8 giving up, a bug in a handler), the informer is gone...
            c.informers().get(0).stop();
            await("a new informer").atMost(WAIT)
                    .until(() -> c.informers().size() == 1 && c.informers().get(0).isRunning());
            // ...and a restart meanwhile or after is still seen, once.
            kube.restart(NS, "loki-0", "loki", 2, "Error", 1, "2026-02-26T02:24:00Z", "second");
            awaitRestarts(2);
            marker(ledger);
            text = log.text();
        }
        assertEquals(List.of(1, 2, 1), restarts().stream().map(PodRestart::getRestartCount).toList());
        assertEquals(1, count(text, "WARN", "pods: failing", "pod informer stopped", "starting a new one"), text);
        assertEquals(1, count(text, "INFO", "pods: recovered after"), text);
    }

    @Test
    void aListThatFailsOnStartIsRetriedAndEmitsTheRestartsItMissed() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        ledger.put("prod/" + NS + "/etcd-cp-01/etcd", new RestartLedger.Entry("uid-of-etcd", 0));
        kube.answerNextListsWith(2, 500, "InternalError", "etcdserver: request timed out");
        final String text;
        try (LogCapture log = LogCapture.start()) {
            final PodRestartCollector c = collector(config(), ledger, Clock.systemUTC(),
                    kube.newClientWithoutRequestRetries());
            c.start();
            await("initial sync after two failed lists").atMost(WAIT).until(c::hasSynced);
            kube.createPod(NS, "web-1", "web");
            kube.restart(NS, "web-1", "web", 1, "Error", 1, "2026-02-26T02:23:00Z", "crash");
            awaitRestarts(1);
            marker(ledger);
            text = log.text();
        }
        assertEquals(List.of(1, 1), restarts().stream().map(PodRestart::getRestartCount).toList());
        assertEquals(1, count(text, "WARN", "pods: failing", "HTTP 500", "etcdserver: request timed out"), text);
        // fabric8's own per-retry WARN with its stack trace stays quiet (as in the launcher's logging).
        assertEquals(0, count(text, "WARN", "Reflector"), text);
    }

    @Test
    void anImagePullFailureWithoutARestartIsOneRecordPerEpisode() {
        final InMemoryRestartLedger ledger = new InMemoryRestartLedger();
        start(config(), ledger, Clock.systemUTC(), kube.client());
        kube.createPod(NS, "api-7d9f", "api");
        kube.updateContainer(NS, "api-7d9f", "api", b -> b.withNewState().withNewWaiting().withReason("ErrImagePull")
                .withMessage("rpc error: code = NotFound desc = failed to pull image \"registry.lan/api:1.4\"")
                .endWaiting().endState());
        awaitRestarts(1);
        // The kubelet alternates ErrImagePull and ImagePullBackOff: one episode.
        kube.updateContainer(NS, "api-7d9f", "api", b -> b.withNewState().withNewWaiting()
                .withReason("ImagePullBackOff").withMessage("Back-off pulling image \"registry.lan/api:1.4\"")
                .endWaiting().endState());
        kube.updateContainer(NS, "api-7d9f", "api", b -> b.withNewState().withNewWaiting().withReason("ErrImagePull")
                .endWaiting().endState());
        // Fixed, running; then a bad tag again: a new episode.
        kube.updateContainer(NS, "api-7d9f", "api", b -> b.withNewState().withNewRunning()
                .withStartedAt("2026-02-26T02:30:00Z").endRunning().endState());
        kube.updateContainer(NS, "api-7d9f", "api", b -> b.withNewState().withNewWaiting()
                .withReason("ImagePullBackOff").endWaiting().endState());
        awaitRestarts(2);
        marker(ledger);

        final List<PodRestart> records = restarts();
        assertEquals(3, records.size(), records.toString());
        final PodRestart first = records.get(0);
        assertEquals("prod/kube-system/api-7d9f/api", sink.sent().get(0).key());
        assertEquals(0, first.getRestartCount());
        assertEquals("ErrImagePull", first.getWaitingReason());
        assertNull(first.getTerminatedReason());
        assertNull(first.getExitCode());
        assertTrue(first.getMessage().contains("failed to pull image"), first.getMessage());
        assertEquals("ImagePullBackOff", records.get(1).getWaitingReason());
        assertEquals(0, records.get(1).getRestartCount());
    }

    @Test
    void onceAgainstAClosedPortFailsInSecondsNamingTheCause() throws Exception {
        final int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        final KubernetesClient refused = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
                        .withMasterUrl("http://127.0.0.1:" + closedPort).build()).build();
        final PodRestartCollector c = collector(config(), new InMemoryRestartLedger(), Clock.systemUTC(), refused);
        final long t0 = System.nanoTime();
        final String text;
        try (LogCapture log = LogCapture.start()) {
            assertEquals(0, c.snapshot());
            text = log.text();
        }
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "the cause is known within seconds");
        final List<io.incidentcorrelator.collectors.internal.SourceHealth> failing = c.sources().stream()
                .filter(h -> h.state() == io.incidentcorrelator.collectors.internal.SourceHealth.State.FAILING).toList();
        assertEquals(1, failing.size());
        final String reason = failing.get(0).lastReason();
        assertTrue(reason.contains("cannot connect to http://127.0.0.1:" + closedPort), reason);
        assertTrue(reason.contains("Connection refused"), reason);
        assertEquals(1, count(text, "WARN", "pods: failing", "Connection refused"), text);
        assertFalse(text.contains("Operation: [list]"), text);
    }

    @Test
    void onceAgainstAMalformedOrForbiddenListFails() {
        final PodRestartCollector c = collector(config(), new InMemoryRestartLedger(), Clock.systemUTC(),
                kube.client());
        kube.answerNextListsMalformed(1);
        c.snapshot();
        assertTrue(c.sources().get(0).lastReason().contains("malformed response"), c.sources().get(0).lastReason());

        kube.answerNextListsWith(1, 403, "Forbidden", "pods is forbidden: User system:serviceaccount:mon:c "
                + "cannot list resource pods at the cluster scope");
        c.snapshot();
        final String reason = c.sources().get(0).lastReason();
        assertTrue(reason.startsWith("listing pods: HTTP 403 Forbidden: pods is forbidden"), reason);
        assertTrue(reason.contains("rbac.yaml"), reason);

        c.snapshot();
        assertEquals(io.incidentcorrelator.collectors.internal.SourceHealth.State.OK, c.sources().get(0).state());
    }

    private static long count(String text, String... parts) {
        return text.lines().filter(l -> java.util.Arrays.stream(parts).allMatch(l::contains)).count();
    }

    private PodRestartCollector collector(KubernetesCollectorConfig config, RestartLedger ledger, Clock clock,
                                          KubernetesClient client) {
        final PodRestartCollector c = new PodRestartCollector(config, sink, ledger, client, false, clock);
        toClose.add(c);
        if (client != kube.client()) {
            toClose.add(client);
        }
        return c;
    }

    /** Starts a collector and returns once its watch demonstrably delivers. */
    private PodRestartCollector start(KubernetesCollectorConfig config, RestartLedger ledger, Clock clock,
                                      KubernetesClient client) {
        final PodRestartCollector c = collector(config, ledger, clock, client);
        c.start();
        await("initial sync").atMost(WAIT).until(c::hasSynced);
        final String probe = "probe-" + markers.incrementAndGet();
        kube.createPod(NS, probe, "c");
        await("the watch to deliver " + probe).atMost(WAIT)
                .until(() -> ledger.get("prod/" + NS + "/" + probe + "/c").isPresent());
        return c;
    }

    /** One restart of a fresh pod; returns once its event is in, so everything before it is in too. */
    private void marker(RestartLedger ledger) {
        final String name = "marker-" + markers.incrementAndGet();
        kube.createPod(NS, name, "c");
        await(name + " seen").atMost(WAIT).until(() -> ledger.get("prod/" + NS + "/" + name + "/c").isPresent());
        final int before = sink.sent().size();
        kube.restart(NS, name, "c", 1, "Completed", 0, "2026-02-26T05:00:00Z", "marker");
        await(name + " restart").atMost(WAIT)
                .until(() -> sink.sent().stream().anyMatch(s -> s.key().endsWith("/" + name + "/c")));
        assertEquals(before + 1, sink.sent().size(), "only the marker arrived");
    }

    private void awaitRestarts(int n) {
        await(n + " restart event(s), have " + sink.sent().size()).atMost(WAIT).until(() -> sink.sent().size() >= n);
    }

    private List<PodRestart> restarts() {
        return sink.values(PodRestart.class);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
