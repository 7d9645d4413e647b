package io.incidentcorrelator.collectors.backfill;

import io.incidentcorrelator.contract.EventTimes;
import io.incidentcorrelator.security.Scrubber;
import io.incidentcorrelator.avro.EtcdLatencySample;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.ScenarioLineWriter;
import io.incidentcorrelator.collectors.backfill.internal.EtcdFromPrometheus;
import io.incidentcorrelator.collectors.backfill.internal.PrometheusClient;
import io.incidentcorrelator.collectors.backfill.internal.RestartsFromPrometheus;
import io.incidentcorrelator.collectors.inventory.InventoryPublisher;
import io.incidentcorrelator.collectors.proxmox.ProxmoxApiException;
import io.incidentcorrelator.collectors.proxmox.ProxmoxClient;
import io.incidentcorrelator.collectors.proxmox.ProxmoxHistory;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Writer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Pulls the past from the sources that keep it into one scenario file that {@code replay} reads:
 * the inventory first, then every event in time order (ties: contract topic order, then key).
 * Sources: Proxmox vzdump task history and RRD statistics, and per cluster a Prometheus with
 * etcd histograms and kube-state-metrics restarts. A source that is not configured is skipped;
 * one that fails is reported in {@link Report#failures()} and the others still run.
 */
public final class Backfill {

    private static final Logger LOG = LoggerFactory.getLogger(Backfill.class);

    /**
     * @param lines    scenario lines written per topic
     * @param notes    what was skipped or approximated, one line each (also written as {@code #} comments)
     * @param failures sources that failed, one line each; the file lacks their events
     */
    public record Report(Map<String, Integer> lines, List<String> notes, List<String> failures) {
    }

    private record Line(String topic, String key, SpecificRecord value, Instant time, int order) {
    }

    private final BackfillConfig config;
    private final Clock clock;

    public Backfill(BackfillConfig config) {
        this(config, Clock.systemUTC());
    }

    Backfill(BackfillConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Reads every configured source and writes the scenario to {@code out} (not closed). */
    public Report run(Writer out) throws IOException, InterruptedException {
        final List<Line> lines = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        final List<String> order = List.of(config.topics().inventory(), config.topics().storageLocations(),
                config.topics().podRestarts(), config.topics().backupEvents(), config.topics().etcdLatency(),
                config.topics().proxmoxMemory());
        final EventWriter collect = (topic, key, value) ->
                lines.add(new Line(topic, key, value, EventTimes.of(value), order.indexOf(topic)));

        if (config.inventory() == null) {
            notes.add("inventory: not configured; the scenario places no node on a Proxmox host");
        } else {
            new InventoryPublisher(config.inventory(), config.topics()).publish(collect);
        }
        if (config.proxmox() == null) {
            notes.add("proxmox: not configured; no backup events or memory samples");
        } else {
            proxmox(collect, notes, failures);
        }
        if (config.prometheus().isEmpty()) {
            notes.add("prometheus: not configured; no etcd samples or pod restarts");
        }
        for (PrometheusSource source : config.prometheus()) {
            prometheus(source, collect, notes, failures);
        }

        // Inventory (no time) first, then time order; the sort is stable for equal keys.
        lines.sort(Comparator.comparing((Line l) -> l.time() == null ? Instant.MIN : l.time())
                .thenComparingInt(Line::order).thenComparing(Line::key));
        final ScenarioLineWriter sink = new ScenarioLineWriter(out);
        sink.comment("incident-correlator backfill " + config.since() + " .. " + config.until()
                + ", generated " + clock.instant());
        notes.forEach(n -> sink.comment("note: " + n));
        // A failure's text may come from a response (an echoing proxy): scrubbed before file and log.
        failures.replaceAll(Scrubber::scrub);
        failures.forEach(f -> sink.comment("failed: " + f));
        final Map<String, Integer> counts = new TreeMap<>();
        for (Line l : lines) {
            sink.send(l.topic(), l.key(), l.value());
            counts.merge(l.topic(), 1, Integer::sum);
        }
        sink.flush();
        notes.forEach(n -> LOG.info("backfill: {}", n));
        failures.forEach(f -> LOG.warn("backfill: {}", f));
        return new Report(counts, List.copyOf(notes), List.copyOf(failures));
    }

    private void proxmox(EventWriter sink, List<String> notes, List<String> failures) throws InterruptedException {
        final ProxmoxClient client = new ProxmoxClient(config.proxmox());
        final ProxmoxHistory history = new ProxmoxHistory(client, config.proxmox(), clock);
        final List<String> nodes;
        try {
            nodes = history.nodes();
        } catch (ProxmoxApiException e) {
            failures.add("proxmox: " + e.getMessage());
            return;
        }
        for (String node : nodes) {
            try {
                history.backupEvents(node, config.since(), config.until(), sink);
            } catch (ProxmoxApiException e) {
                failures.add("proxmox " + node + " backups: " + e.getMessage());
            }
            try {
                history.memorySamples(node, config.since(), config.until(), sink);
            } catch (ProxmoxApiException e) {
                failures.add("proxmox " + node + " rrddata: " + e.getMessage());
            }
        }
        notes.add("proxmox: memory and CPU are RRD averages (timeframe "
                + ProxmoxHistory.timeframeFor(config.since(), clock.instant())
                + "), coarser than the live collector; short spikes are flattened");
    }

    private void prometheus(PrometheusSource source, EventWriter sink, List<String> notes, List<String> failures)
            throws InterruptedException {
        final PrometheusClient client = new PrometheusClient(source.url(), source.tls(), source.bearerToken(),
                source.requestTimeout());
        try {
            for (EtcdLatencySample s : new EtcdFromPrometheus(client, source.cluster(), source.selector(),
                    source.etcdMembers(), notes::add).read(config.since(), config.until(), source.step())) {
                sink.send(config.topics().etcdLatency(), s.getCluster() + "/" + s.getMember(), s);
            }
        } catch (PrometheusClient.PrometheusException e) {
            failures.add("etcd (" + source.cluster() + "): " + e.getMessage());
        }
        try {
            for (PodRestart r : new RestartsFromPrometheus(client, source.cluster(), source.selector(), notes::add)
                    .read(config.since(), config.until(), source.step())) {
                sink.send(config.topics().podRestarts(),
                        String.join("/", r.getCluster(), r.getNamespace(), r.getPod(), r.getContainer()), r);
            }
        } catch (PrometheusClient.PrometheusException e) {
            failures.add("restarts (" + source.cluster() + "): " + e.getMessage());
        }
    }
}
