package io.incidentcorrelator.collectors.proxmox;

import com.fasterxml.jackson.databind.JsonNode;
import io.incidentcorrelator.collectors.internal.SourceHealth;
import io.incidentcorrelator.collectors.proxmox.internal.Json;
import org.slf4j.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The nodes a poller visits, each with its own health and backoff: one unreachable node must not
 * slow down the others. Configured nodes are used as given; otherwise {@code GET /nodes} is asked
 * (again every ten minutes) for the online ones, and the last good answer is kept while that fails.
 */
final class PolledNodes {

    private static final Duration REDISCOVER = Duration.ofMinutes(10);

    private final String poller;
    private final ProxmoxClient client;
    private final ProxmoxConfig config;
    private final Logger log;
    private final Map<String, SourceHealth> health = new java.util.LinkedHashMap<>();
    private final SourceHealth discoveryHealth;
    private List<String> discovered = List.of();
    private Instant discoveredAt = Instant.MIN;

    PolledNodes(String poller, ProxmoxClient client, ProxmoxConfig config, Logger log) {
        this.poller = poller;
        this.client = client;
        this.config = config;
        this.log = log;
        this.discoveryHealth = new SourceHealth(poller + " " + client.apiBase() + " node list", config.interval(),
                config.maxBackoff(), log);
    }

    List<String> current(Instant now) throws InterruptedException {
        if (!config.nodes().isEmpty()) {
            return config.nodes();
        }
        if (Duration.between(discoveredAt, now).compareTo(REDISCOVER) >= 0 && discoveryHealth.isDue(now)) {
            try {
                final List<String> online = online(client);
                if (!online.equals(discovered)) {
                    log.info("{}: polling nodes {}", poller, online);
                }
                discovered = List.copyOf(online);
                discoveredAt = now;
                discoveryHealth.success(now);
            } catch (ProxmoxApiException e) {
                discoveryHealth.failure(now, e.getMessage());
            }
        }
        return discovered;
    }

    /** Polls one node; source problems are thrown as {@link ProxmoxApiException}. */
    @FunctionalInterface
    interface NodePoll {
        int poll(String node, Instant now) throws ProxmoxApiException, InterruptedException;
    }

    /**
     * Polls every node that is not backing off. Source problems are logged (once per state
     * change) and retried with backoff; this never throws for them.
     *
     * @return what the polls returned, summed (events sent)
     */
    int pollDue(Clock clock, NodePoll poll) throws InterruptedException {
        int sent = 0;
        for (String node : current(clock.instant())) {
            final SourceHealth nodeHealth = health(node);
            final Instant now = clock.instant();
            if (!nodeHealth.isDue(now)) {
                continue;
            }
            try {
                sent += poll.poll(node, now);
                nodeHealth.success(now);
            } catch (ProxmoxApiException e) {
                nodeHealth.failure(now, e.getMessage());
            }
        }
        return sent;
    }

    /** Every node {@code GET /nodes} lists as online (or without a status), sorted. */
    static List<String> online(ProxmoxClient client) throws ProxmoxApiException, InterruptedException {
        final JsonNode data = client.get("/nodes", Map.of());
        final List<String> online = new ArrayList<>();
        if (data != null && data.isArray()) {
            for (JsonNode n : data) {
                final String name = Json.text(n, "node");
                final String status = Json.text(n, "status");
                if (name != null && (status == null || "online".equals(status))) {
                    online.add(name);
                }
            }
        }
        online.sort(null);
        return online;
    }

    /** The node list (when discovered) and every node polled so far. */
    synchronized java.util.Collection<SourceHealth> sources() {
        final List<SourceHealth> all = new ArrayList<>();
        if (config.nodes().isEmpty()) {
            all.add(discoveryHealth);
        }
        all.addAll(health.values());
        return all;
    }

    synchronized SourceHealth health(String node) {
        return health.computeIfAbsent(node, n -> new SourceHealth(poller + " " + client.apiBase().getAuthority()
                + " node " + n, config.interval(), config.maxBackoff(), log));
    }
}
