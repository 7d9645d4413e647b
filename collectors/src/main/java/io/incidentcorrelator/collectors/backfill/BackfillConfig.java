package io.incidentcorrelator.collectors.backfill;

import io.incidentcorrelator.collectors.inventory.Inventory;
import io.incidentcorrelator.collectors.proxmox.ProxmoxConfig;
import io.incidentcorrelator.topics.TopicNames;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What to backfill. Every source is optional; one that is not configured is skipped with a note.
 *
 * @param since       start of the period (inclusive)
 * @param until       end of the period (inclusive)
 * @param proxmox     Proxmox API for vzdump task history and RRD memory/CPU, or null
 * @param prometheus  one Prometheus per cluster, for etcd and kube-state-metrics restarts; may be empty
 * @param inventory   placements and storage locations written first, or null
 * @param topics      topic names written into the scenario lines (defaults: what {@code replay} reads)
 */
public record BackfillConfig(Instant since, Instant until, ProxmoxConfig proxmox, List<PrometheusSource> prometheus,
                             Inventory inventory, TopicNames topics) {

    public BackfillConfig {
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(until, "until");
        prometheus = List.copyOf(prometheus);
        Objects.requireNonNull(topics, "topics");
        if (!until.isAfter(since)) {
            throw new IllegalArgumentException("--until (" + until + ") must be after --since (" + since + ")");
        }
    }

    /** No sources yet, default topic names. */
    public static BackfillConfig of(Instant since, Instant until) {
        return new BackfillConfig(since, until, null, List.of(), null, TopicNames.defaults());
    }

    public BackfillConfig withProxmox(ProxmoxConfig config) {
        return new BackfillConfig(since, until, config, prometheus, inventory, topics);
    }

    public BackfillConfig withPrometheus(List<PrometheusSource> sources) {
        return new BackfillConfig(since, until, proxmox, sources, inventory, topics);
    }

    public BackfillConfig withInventory(Inventory newInventory) {
        return new BackfillConfig(since, until, proxmox, prometheus, newInventory, topics);
    }
}
