package io.incidentcorrelator.collectors.proxmox;

import com.fasterxml.jackson.databind.JsonNode;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.proxmox.internal.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Samples memory and CPU of each Proxmox node ({@code GET /nodes/{node}/status}) and of each
 * running QEMU guest on it ({@code GET /nodes/{node}/qemu}, then
 * {@code /qemu/{vmid}/status/current} for the balloon and PSI fields the list does not carry).
 * Keys: {@code host} for the node, {@code host/vmid} for a guest.
 */
public final class MemoryPoller {

    private static final Logger LOG = LoggerFactory.getLogger(MemoryPoller.class);
    /** An RRD point older than this is not "now" any more (points come once a minute). */
    private static final Duration RRD_MAX_AGE = Duration.ofMinutes(5);

    private final ProxmoxClient client;
    private final ProxmoxConfig config;
    private final EventWriter sink;
    private final Clock clock;
    private final PolledNodes nodes;

    public MemoryPoller(ProxmoxClient client, ProxmoxConfig config, EventWriter sink) {
        this(client, config, sink, Clock.systemUTC());
    }

    MemoryPoller(ProxmoxClient client, ProxmoxConfig config, EventWriter sink, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nodes = new PolledNodes("proxmox-memory", client, config, LOG);
    }

    /**
     * Samples every node that is not backing off, and its running guests.
     *
     * @return the number of samples sent
     */
    public int pollOnce() throws InterruptedException {
        return nodes.pollDue(clock, (node, now) -> pollNode(node));
    }

    public Duration nextPollDelay() {
        return config.interval();
    }

    private int pollNode(String node) throws ProxmoxApiException, InterruptedException {
        final String nodePath = "/nodes/" + ProxmoxClient.segment(node);
        final JsonNode status = client.get(nodePath + "/status", Map.of());
        final Long used = Json.longValue(status, "memory", "used");
        final Long total = Json.longValue(status, "memory", "total");
        if (used == null || total == null) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.BAD_RESPONSE, 200,
                    "GET " + nodePath + "/status: no memory.used/memory.total in the answer", null);
        }
        Double pressure = Json.doubleValue(status, "pressurememorysome");
        if (pressure == null) {
            pressure = hostPressureFromRrd(node);
        }
        int sent = 0;
        send(node, MemorySample.newBuilder()
                .setHost(node)
                .setMemUsedBytes(used)
                .setMemTotalBytes(total)
                .setMemPressureSomeAvg10(pressure)
                .setCpuUsage(ratio(Json.doubleValue(status, "cpu")))
                .setIoWait(ratio(Json.doubleValue(status, "wait")))
                .setTime(now())
                .build());
        sent++;

        final JsonNode guests = client.get(nodePath + "/qemu", Map.of());
        final List<JsonNode> running = new ArrayList<>();
        if (guests != null && guests.isArray()) {
            for (JsonNode g : guests) {
                final Integer template = Json.intValue(g, "template");
                if (Json.intValue(g, "vmid") != null && "running".equals(Json.text(g, "status"))
                        && (template == null || template == 0)) {
                    running.add(g);
                }
            }
        }
        running.sort(Comparator.comparing(g -> Json.intValue(g, "vmid")));
        for (JsonNode g : running) {
            final int vmid = Json.intValue(g, "vmid");
            final JsonNode cur;
            try {
                cur = client.get(nodePath + "/qemu/" + vmid + "/status/current", Map.of());
            } catch (ProxmoxApiException e) {
                if (e.affectsWholeSource()) {
                    throw e;
                }
                // The guest may have stopped or migrated since the list; the next poll will tell.
                LOG.debug("proxmox-memory {}: guest {} skipped: {}", node, vmid, e.getMessage());
                continue;
            }
            final Long mem = Json.longValue(cur, "mem");
            final Long maxmem = Json.longValue(cur, "maxmem");
            if (mem == null || maxmem == null) {
                LOG.debug("proxmox-memory {}: guest {} has no mem/maxmem; skipped", node, vmid);
                continue;
            }
            Long balloonActual = Json.longValue(cur, "ballooninfo", "actual");
            if (balloonActual == null) {
                balloonActual = Json.longValue(cur, "balloon");
            }
            send(node + "/" + vmid, MemorySample.newBuilder()
                    .setHost(node)
                    .setVmid(vmid)
                    .setVmName(Objects.requireNonNullElse(Json.text(cur, "name"), Json.text(g, "name")))
                    .setMemUsedBytes(mem)
                    .setMemTotalBytes(maxmem)
                    .setBalloonActualBytes(balloonActual)
                    .setBalloonMaxBytes(Json.longValue(cur, "ballooninfo", "max_mem"))
                    .setMemPressureSomeAvg10(Json.doubleValue(cur, "pressurememorysome"))
                    .setCpuUsage(ratio(Json.doubleValue(cur, "cpu")))
                    .setIoWait(null)
                    .setTime(now())
                    .build());
            sent++;
        }
        return sent;
    }

    /**
     * PVE 9 reports host memory pressure only in the RRD (a one-minute average, the nearest it
     * has to avg10); without it the sample still goes out, only without pressure.
     */
    private Double hostPressureFromRrd(String node) throws InterruptedException {
        final Instant now = clock.instant();
        try {
            return ProxmoxHistory.latestHostValue(client, node, "pressurememorysome", now.minus(RRD_MAX_AGE), now);
        } catch (ProxmoxApiException e) {
            LOG.debug("proxmox-memory {}: no memory pressure from rrddata: {}", node, e.getMessage());
            return null;
        }
    }

    /** The memory, guests and RRD of every polled node, for readiness, metrics and {@code --once}'s exit code. */
    public java.util.Collection<io.incidentcorrelator.collectors.internal.SourceHealth> sources() {
        return nodes.sources();
    }

    private void send(String key, MemorySample sample) {
        sink.send(config.memoryTopic(), key, sample);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** Proxmox reports fractions; anything outside 0..1 is a glitch, not a reading. */
    private static Double ratio(Double v) {
        return v == null || v < 0 ? null : Math.min(v, 1.0);
    }
}
