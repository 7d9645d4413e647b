package io.incidentcorrelator.collectors.proxmox;

import com.fasterxml.jackson.databind.JsonNode;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.avro.MemorySample;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.proxmox.internal.Json;
import org.apache.avro.specific.SpecificRecord;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The past as Proxmox keeps it, for history backfill: vzdump task history (mapped exactly like
 * {@link BackupTaskPoller} does live) and the RRD statistics behind the GUI graphs.
 *
 * <p>RRD data is averaged: {@code GET …/rrddata?timeframe=…&cf=AVERAGE} returns about 70 points
 * per timeframe, so the resolution depends on how far back {@code since} is from now (PVE 8:
 * {@code hour} 1 min, {@code day} 30 min, {@code week} 3 h, {@code month} 12 h, {@code year}
 * 1 week). Short memory spikes are flattened; the sample times are the RRD's step starts.
 */
public final class ProxmoxHistory {

    private static final Duration LONGEST_JOB = Duration.ofDays(1);

    private final ProxmoxClient client;
    private final ProxmoxConfig config;
    private final Clock clock;

    public ProxmoxHistory(ProxmoxClient client, ProxmoxConfig config) {
        this(client, config, Clock.systemUTC());
    }

    /** @param clock "now" for choosing the RRD timeframe */
    public ProxmoxHistory(ProxmoxClient client, ProxmoxConfig config, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The configured nodes, or every node {@code GET /nodes} lists as online. */
    public List<String> nodes() throws ProxmoxApiException, InterruptedException {
        if (!config.nodes().isEmpty()) {
            return config.nodes();
        }
        return PolledNodes.online(client);
    }

    /**
     * Sends the backup phases of the vzdump tasks of {@code node} that overlap [since, until]:
     * a job that started before {@code since} and was still running then is included whole (its
     * start gives the window its beginning); nothing after {@code until} is sent.
     *
     * @return the number of events sent
     */
    public int backupEvents(String node, Instant since, Instant until, EventWriter sink)
            throws ProxmoxApiException, InterruptedException {
        final List<BackupEvent> events = new ArrayList<>();
        final List<String> keys = new ArrayList<>();
        final EventWriter collect = (topic, key, value) -> {
            events.add((BackupEvent) value);
            keys.add(key);
        };
        final BackupTaskPoller poller = new BackupTaskPoller(client, config, collect, null, Clock.fixed(clock.instant(),
                clock.getZone()));
        poller.readRange(node, since.minus(LONGEST_JOB), until);

        // A task is relevant when it was still going at `since`: not ended before it.
        final Set<String> endedBefore = new HashSet<>();
        for (BackupEvent e : events) {
            final boolean jobEnd = e.getPhase() == BackupPhase.JOB_END || e.getPhase() == BackupPhase.JOB_ABORT;
            if (jobEnd && e.getTime().isBefore(since)) {
                endedBefore.add(e.getUpid());
            }
        }
        int sent = 0;
        for (int i = 0; i < events.size(); i++) {
            final BackupEvent e = events.get(i);
            if (!endedBefore.contains(e.getUpid()) && !e.getTime().isAfter(until)) {
                sink.send(config.backupTopic(), keys.get(i), e);
                sent++;
            }
        }
        return sent;
    }

    /**
     * Sends host samples ({@code /nodes/{node}/rrddata}: memused, memtotal, cpu, iowait) and one
     * series per QEMU guest ({@code /nodes/{node}/qemu/{vmid}/rrddata}: mem, maxmem, cpu) for the
     * RRD points within [since, until]. Points without data (host down, guest stopped) are skipped.
     *
     * @return the number of samples sent
     */
    public int memorySamples(String node, Instant since, Instant until, EventWriter sink)
            throws ProxmoxApiException, InterruptedException {
        final String nodePath = "/nodes/" + ProxmoxClient.segment(node);
        final Map<String, String> query = Map.of("timeframe", timeframe(Duration.between(since, clock.instant())),
                "cf", "AVERAGE");
        int sent = 0;
        for (JsonNode p : points(client.get(nodePath + "/rrddata", query), since, until)) {
            final Double used = Json.doubleValue(p, "memused");
            final Double total = Json.doubleValue(p, "memtotal");
            if (used == null || total == null) {
                continue;
            }
            sent += send(sink, node, MemorySample.newBuilder()
                    .setHost(node)
                    .setMemUsedBytes(Math.round(used))
                    .setMemTotalBytes(Math.round(total))
                    .setMemPressureSomeAvg10(Json.doubleValue(p, "pressurememorysome"))
                    .setCpuUsage(ratio(Json.doubleValue(p, "cpu")))
                    .setIoWait(ratio(Json.doubleValue(p, "iowait")))
                    .setTime(Instant.ofEpochSecond(Json.longValue(p, "time")))
                    .build());
        }

        final JsonNode guests = client.get(nodePath + "/qemu", Map.of());
        final List<JsonNode> list = new ArrayList<>();
        if (guests != null && guests.isArray()) {
            for (JsonNode g : guests) {
                final Integer template = Json.intValue(g, "template");
                if (Json.intValue(g, "vmid") != null && (template == null || template == 0)) {
                    list.add(g);
                }
            }
        }
        list.sort(Comparator.comparing(g -> Json.intValue(g, "vmid")));
        for (JsonNode g : list) {
            final int vmid = Json.intValue(g, "vmid");
            final JsonNode rrd;
            try {
                rrd = client.get(nodePath + "/qemu/" + vmid + "/rrddata", query);
            } catch (ProxmoxApiException e) {
                if (e.affectsWholeSource()) {
                    throw e;
                }
                continue; // e.g. the guest was just migrated away; its history lives on the other node
            }
            for (JsonNode p : points(rrd, since, until)) {
                final Double mem = Json.doubleValue(p, "mem");
                final Double maxmem = Json.doubleValue(p, "maxmem");
                if (mem == null || maxmem == null) {
                    continue;
                }
                sent += send(sink, node + "/" + vmid, MemorySample.newBuilder()
                        .setHost(node)
                        .setVmid(vmid)
                        .setVmName(Json.text(g, "name"))
                        .setMemUsedBytes(Math.round(mem))
                        .setMemTotalBytes(Math.round(maxmem))
                        .setMemPressureSomeAvg10(Json.doubleValue(p, "pressurememorysome"))
                        .setCpuUsage(ratio(Json.doubleValue(p, "cpu")))
                        .setTime(Instant.ofEpochSecond(Json.longValue(p, "time")))
                        .build());
            }
        }
        return sent;
    }

    /** The RRD timeframe used for a backfill from {@code since}, asked at {@code now}. */
    public static String timeframeFor(Instant since, Instant now) {
        return timeframe(Duration.between(since, now));
    }

    /** The shortest RRD timeframe that still reaches back {@code back} from now. */
    static String timeframe(Duration back) {
        if (back.compareTo(Duration.ofMinutes(70)) <= 0) {
            return "hour";
        }
        if (back.compareTo(Duration.ofHours(35)) <= 0) {
            return "day";
        }
        if (back.compareTo(Duration.ofDays(8)) <= 0) {
            return "week";
        }
        if (back.compareTo(Duration.ofDays(35)) <= 0) {
            return "month";
        }
        return "year";
    }

    /**
     * The newest host RRD point's {@code field} within [{@code notBefore}, {@code now}], from the
     * hour timeframe (one point a minute); null when there is none. PVE 9 keeps host memory
     * pressure there and not in the node status.
     */
    static Double latestHostValue(ProxmoxClient client, String node, String field, Instant notBefore, Instant now)
            throws ProxmoxApiException, InterruptedException {
        final List<JsonNode> recent = points(client.get("/nodes/" + ProxmoxClient.segment(node) + "/rrddata",
                Map.of("timeframe", "hour", "cf", "AVERAGE")), notBefore, now);
        for (int i = recent.size() - 1; i >= 0; i--) {
            final Double v = Json.doubleValue(recent.get(i), field);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static List<JsonNode> points(JsonNode data, Instant since, Instant until) {
        final List<JsonNode> out = new ArrayList<>();
        if (data != null && data.isArray()) {
            for (JsonNode p : data) {
                final Long t = Json.longValue(p, "time");
                if (t != null && !Instant.ofEpochSecond(t).isBefore(since) && !Instant.ofEpochSecond(t).isAfter(until)) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparing(p -> Json.longValue(p, "time")));
        return out;
    }

    private int send(EventWriter sink, String key, SpecificRecord sample) {
        sink.send(config.memoryTopic(), key, sample);
        return 1;
    }

    private static Double ratio(Double v) {
        return v == null || v < 0 ? null : Math.min(v, 1.0);
    }
}
