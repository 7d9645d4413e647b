package io.incidentcorrelator.collectors.proxmox;

import com.fasterxml.jackson.databind.JsonNode;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.proxmox.internal.BackupPhaseKey;
import io.incidentcorrelator.collectors.proxmox.internal.Json;
import io.incidentcorrelator.collectors.proxmox.internal.Upid;
import io.incidentcorrelator.collectors.proxmox.internal.VzdumpLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Turns vzdump tasks from {@code GET /nodes/{node}/tasks?typefilter=vzdump} into
 * {@link BackupEvent}s: a task without {@code endtime} is running ({@code JOB_START}); a finished
 * one ends with {@code JOB_END} (status {@code OK}, or {@code WARNINGS: n}, which still completed)
 * or {@code JOB_ABORT} (any other status, e.g. {@code job errors}). With task logs on, the log
 * adds per-guest {@code BACKUP_START}/{@code BACKUP_END}/{@code BACKUP_ABORT} and the storage id.
 *
 * <p>Each phase of a task (per guest for guest phases) is sent at most once while this poller
 * lives; the key is {@code host/upid}. Remembering across restarts is not done here. With a
 * shared {@link BackupPhaseDedup}, a phase the vzdump hook already reported is not sent again.
 */
public final class BackupTaskPoller {

    private static final Logger LOG = LoggerFactory.getLogger(BackupTaskPoller.class);
    private static final int LOG_PAGE = 500;
    private static final int MAX_LOG_PAGES_PER_POLL = 20;

    private final ProxmoxClient client;
    private final ProxmoxConfig config;
    private final EventWriter sink;
    private final Clock clock;
    private final PolledNodes nodes;
    private final BackupPhaseDedup dedup;
    private final Map<String, Map<String, TaskState>> tasksByNode = new HashMap<>();

    public BackupTaskPoller(ProxmoxClient client, ProxmoxConfig config, EventWriter sink) {
        this(client, config, sink, null, Clock.systemUTC());
    }

    /**
     * @param dedup shared with a {@code HookEndpoint} in the same process so a phase reported by
     *              both is sent once; null when the poller runs alone
     */
    public BackupTaskPoller(ProxmoxClient client, ProxmoxConfig config, EventWriter sink, BackupPhaseDedup dedup) {
        this(client, config, sink, dedup, Clock.systemUTC());
    }

    BackupTaskPoller(ProxmoxClient client, ProxmoxConfig config, EventWriter sink, Clock clock) {
        this(client, config, sink, null, clock);
    }

    BackupTaskPoller(ProxmoxClient client, ProxmoxConfig config, EventWriter sink, BackupPhaseDedup dedup, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.dedup = dedup;
        this.nodes = new PolledNodes("proxmox-backup", client, config, LOG);
    }

    /**
     * Polls every node that is not backing off. Source problems are logged (once per state
     * change) and retried with backoff; this never throws for them.
     *
     * @return the number of events sent
     */
    public int pollOnce() throws InterruptedException {
        return nodes.pollDue(clock, this::pollNode);
    }

    /** Every polled node's health, for readiness, metrics and {@code --once}'s exit code. */
    public java.util.Collection<io.incidentcorrelator.collectors.internal.SourceHealth> sources() {
        return nodes.sources();
    }

    public Duration nextPollDelay() {
        return config.interval();
    }

    private int pollNode(String node, Instant now) throws ProxmoxApiException, InterruptedException {
        final Map<String, TaskState> tasks = tasksByNode.computeIfAbsent(node, n -> new LinkedHashMap<>());
        return readTasks(node, tasks, since(tasks, now), null, now);
    }

    /**
     * Reads the vzdump tasks of one node that started between {@code since} and {@code until}
     * (history backfill), with the same mapping as {@link #pollOnce()}. Errors are thrown, not
     * absorbed into backoff.
     */
    int readRange(String node, Instant since, Instant until) throws ProxmoxApiException, InterruptedException {
        final Map<String, TaskState> tasks = tasksByNode.computeIfAbsent(node, n -> new LinkedHashMap<>());
        return readTasks(node, tasks, since, until, clock.instant());
    }

    private int readTasks(String node, Map<String, TaskState> tasks, Instant since, Instant until, Instant now)
            throws ProxmoxApiException, InterruptedException {
        final Map<String, String> query = new LinkedHashMap<>();
        query.put("typefilter", "vzdump");
        query.put("source", "all"); // the default, "archive", leaves out running tasks
        query.put("since", Long.toString(since.getEpochSecond()));
        if (until != null) {
            query.put("until", Long.toString(until.getEpochSecond()));
        }
        query.put("limit", "1000");
        final JsonNode data = client.get("/nodes/" + ProxmoxClient.segment(node) + "/tasks", query);

        final List<JsonNode> entries = new ArrayList<>();
        if (data != null && data.isArray()) {
            data.forEach(entries::add);
        }
        // Oldest first, so a consumer sees a host's jobs in the order they ran.
        entries.sort(Comparator.comparing((JsonNode t) -> startOf(t).orElse(Instant.EPOCH))
                .thenComparing(t -> Objects.toString(Json.text(t, "upid"), "")));
        int sent = 0;
        for (JsonNode entry : entries) {
            sent += processTask(node, entry, tasks, now);
        }
        prune(tasks, now);
        return sent;
    }

    private int processTask(String polledNode, JsonNode entry, Map<String, TaskState> tasks, Instant now)
            throws ProxmoxApiException, InterruptedException {
        final String upid = Json.text(entry, "upid");
        if (upid == null) {
            return 0;
        }
        final String type = Json.text(entry, "type");
        if (type != null && !"vzdump".equals(type)) {
            return 0;
        }
        final Optional<Instant> start = startOf(entry);
        if (start.isEmpty()) {
            LOG.debug("vzdump task {} has no start time; skipped", upid);
            return 0;
        }
        final String host = Objects.requireNonNullElse(Json.text(entry, "node"), polledNode);
        final TaskState task = tasks.computeIfAbsent(upid,
                u -> new TaskState(u, host, start.get(), new VzdumpLog(start.get(), config.hostZone())));
        if (task.done) {
            return 0;
        }
        final Long endEpoch = Json.longValue(entry, "endtime");
        final boolean running = endEpoch == null;
        final String status = Json.text(entry, "status");

        final List<VzdumpLog.GuestPhase> guestPhases = new ArrayList<>();
        boolean logComplete = false;
        boolean logUnreadable = false;
        if (config.readTaskLogs()) {
            try {
                logComplete = readNewLogLines(polledNode, task, guestPhases);
            } catch (ProxmoxApiException e) {
                if (e.affectsWholeSource()) {
                    throw e;
                }
                // A log that cannot be read costs the per-guest detail, not the job phases.
                LOG.debug("vzdump task {}: log not readable: {}", upid, e.getMessage());
                logUnreadable = true;
            }
        }
        // Without the log, a single-guest task still names its guest: the UPID's id is the vmid.
        final Integer upidVmid = !logUnreadable ? null : Upid.parse(upid).map(Upid::id).map(BackupTaskPoller::vmid)
                .orElse(null);

        int sent = 0;
        sent += emit(task, BackupPhase.JOB_START, null, task.start, null);
        if (upidVmid != null) {
            sent += emit(task, BackupPhase.BACKUP_START, upidVmid, task.start, null);
        }
        for (VzdumpLog.GuestPhase g : guestPhases) {
            sent += emit(task, g.phase(), g.vmid(), g.time(), g.status());
        }
        if (!running) {
            final Instant end = Instant.ofEpochSecond(endEpoch);
            final boolean ok = status != null && (status.equals("OK") || status.startsWith("WARNINGS"));
            if (config.readTaskLogs() && logComplete) {
                for (VzdumpLog.GuestPhase g : task.log.finish(end, ok ? null : status)) {
                    sent += emit(task, g.phase(), g.vmid(), g.time(), g.status());
                }
            }
            final String eventStatus = status == null ? "unknown" : status.equals("OK") ? "ok" : status;
            if (upidVmid != null) {
                sent += emit(task, ok ? BackupPhase.BACKUP_END : BackupPhase.BACKUP_ABORT, upidVmid, end, eventStatus);
            }
            sent += emit(task, ok ? BackupPhase.JOB_END : BackupPhase.JOB_ABORT, null, end, eventStatus);
            task.done = true;
        }
        return sent;
    }

    /** @return whether the whole log has been read */
    private boolean readNewLogLines(String node, TaskState task, List<VzdumpLog.GuestPhase> out)
            throws ProxmoxApiException, InterruptedException {
        for (int page = 0; page < MAX_LOG_PAGES_PER_POLL; page++) {
            final JsonNode data = client.get("/nodes/" + ProxmoxClient.segment(node) + "/tasks/"
                    + ProxmoxClient.segment(task.upid) + "/log",
                    Map.of("start", Integer.toString(task.logOffset), "limit", Integer.toString(LOG_PAGE)));
            if (data == null || !data.isArray() || data.isEmpty()) {
                return true;
            }
            // An empty log is answered with one pseudo line.
            if (task.logOffset == 0 && data.size() == 1 && "no content".equals(Json.text(data.get(0), "t"))) {
                return true;
            }
            for (JsonNode line : data) {
                out.addAll(task.log.accept(Json.text(line, "t")));
                final Integer n = Json.intValue(line, "n");
                task.logOffset = n != null && n > task.logOffset ? n : task.logOffset + 1;
            }
            if (data.size() < LOG_PAGE) {
                return true;
            }
        }
        return false;
    }

    private int emit(TaskState task, BackupPhase phase, Integer vmid, Instant time, String status) {
        if (!task.emitted.add(BackupPhaseKey.of(task.host, phase, vmid))) {
            return 0;
        }
        final BackupEvent event = BackupEvent.newBuilder()
                .setHost(task.host)
                .setPhase(phase)
                .setVmid(vmid)
                .setJobId(task.log.jobId())
                .setUpid(task.upid)
                .setStorage(task.log.storage())
                .setTargetHost(null)
                .setStatus(status)
                .setTime(time.truncatedTo(ChronoUnit.MILLIS))
                .build();
        if (dedup != null && !dedup.firstTime(event)) {
            LOG.debug("vzdump task {}: {} {} already reported by the hook", task.upid, phase, vmid == null ? "" : vmid);
            return 0;
        }
        sink.send(config.backupTopic(), task.host + "/" + task.upid, event);
        return 1;
    }

    /** Far enough back to still list every task that was running at the last poll. */
    private Instant since(Map<String, TaskState> tasks, Instant now) {
        Instant since = now.minus(config.backupLookback());
        for (TaskState t : tasks.values()) {
            if (!t.done && t.start.isBefore(since)) {
                since = t.start;
            }
        }
        return since.minusSeconds(1);
    }

    /** Finished tasks that the task list no longer returns can be forgotten. */
    private void prune(Map<String, TaskState> tasks, Instant now) {
        final Instant horizon = now.minus(config.backupLookback()).minus(Duration.ofMinutes(5));
        tasks.values().removeIf(t -> t.done && t.start.isBefore(horizon));
    }

    /** A UPID id that is a guest id (100..999999999), else null (a job over several guests has none). */
    private static Integer vmid(String id) {
        if (id == null || !id.matches("[1-9][0-9]{2,8}")) {
            return null;
        }
        return Integer.valueOf(id);
    }

    private static Optional<Instant> startOf(JsonNode entry) {
        final Long start = Json.longValue(entry, "starttime");
        if (start != null) {
            return Optional.of(Instant.ofEpochSecond(start));
        }
        return Upid.parse(Json.text(entry, "upid")).map(Upid::startTime);
    }

    private static final class TaskState {
        final String upid;
        final String host;
        final Instant start;
        final VzdumpLog log;
        final Set<BackupPhaseKey> emitted = new HashSet<>();
        int logOffset;
        boolean done;

        TaskState(String upid, String host, Instant start, VzdumpLog log) {
            this.upid = upid;
            this.host = host;
            this.start = start;
            this.log = log;
        }
    }
}
