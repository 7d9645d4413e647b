package io.incidentcorrelator.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Proxmox VE node on loopback, answering the calls of {@code collect proxmox-backup} and
 * {@code collect proxmox-memory} the way the API does ({@code {"data": ...}}, token header
 * checked, 401 otherwise), with state that moves while a test runs: {@link #startBackup} puts a
 * running vzdump task in the task list whose log grows on every read, and from then on the
 * node's memory climbs a step per status read until it is nearly full.
 */
final class FakeProxmox implements AutoCloseable {

    static final String TOKEN_ID = "collector@pve!incident-correlator";
    private static final long GIB = 1L << 30;
    private static final long NODE_MEMORY = 64 * GIB;
    private static final Pattern TASK_LOG = Pattern.compile("/api2/json/nodes/([^/]+)/tasks/([^/]+)/log");
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final String node;
    private final int vmid;
    private final String guest;
    private final ZoneId zone;
    private final String authorization;
    private final AtomicInteger unauthorized = new AtomicInteger();
    private final AtomicInteger statusReads = new AtomicInteger();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private volatile Task task;
    /** Node memory used, in percent of the total; climbs once a backup runs. */
    private volatile double memoryPercent = 62;

    private record Task(String upid, Instant start, List<String> log) {
    }

    /**
     * @param node   the node's name, as {@code /nodes} lists it
     * @param vmid   the one running guest (a Kubernetes node VM)
     * @param guest  its name
     * @param zone   the node's time zone: vzdump writes local times into the task log
     * @param secret the API token's secret
     */
    FakeProxmox(String node, int vmid, String guest, ZoneId zone, String secret) throws IOException {
        this.node = node;
        this.vmid = vmid;
        this.guest = guest;
        this.zone = zone;
        this.authorization = "PVEAPIToken=" + TOKEN_ID + "=" + secret;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/api2/json/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The vzdump job starts now: a running task, its log so far, and memory starts climbing. */
    synchronized String startBackup(String jobId, String storage) {
        final Instant start = Instant.now().minusSeconds(1);
        final String upid = String.format("UPID:%s:%08X:%08X:%08X:vzdump::root@pam:", node, 41394, 19114957,
                start.getEpochSecond());
        final String local = LOG_TIME.format(start.plusSeconds(1).atZone(zone));
        final List<String> log = new CopyOnWriteArrayList<>(List.of(
                "INFO: starting new backup job: vzdump --all 1 --mode snapshot --storage " + storage
                        + " --notes-template '{{guestname}}' --fleecing 0 --job-id " + jobId + " --node " + node,
                "INFO: Starting Backup of VM " + vmid + " (qemu)",
                "INFO: Backup started at " + local,
                "INFO: status = running",
                "INFO: VM Name: " + guest,
                "INFO: include disk 'scsi0' 'local-zfs:vm-" + vmid + "-disk-0' 32G",
                "INFO: creating Proxmox Backup Server archive 'vm/" + vmid + "/"
                        + start.plusSeconds(1).toString().replaceAll("\\.\\d+Z$", "Z") + "'"));
        task = new Task(upid, start, log);
        return upid;
    }

    /** Requests answered 401 (a wrong or missing token). */
    int unauthorized() {
        return unauthorized.get();
    }

    /** Paths requested so far, for failure messages. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    double memoryPercent() {
        return memoryPercent;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            final String path = exchange.getRequestURI().getPath();
            requests.add(path);
            if (!authorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                unauthorized.incrementAndGet();
                send(exchange, 401, "{\"data\":null,\"message\":\"authentication failure\"}");
                return;
            }
            final Object data = answer(path, query(exchange.getRequestURI().getRawQuery()));
            if (data == null) {
                send(exchange, 404, "{\"data\":null,\"message\":\"no such path " + path + "\"}");
            } else {
                send(exchange, 200, json.writeValueAsString(Map.of("data", data)));
            }
        }
    }

    private Object answer(String path, Map<String, String> query) {
        final String nodePath = "/api2/json/nodes/" + node;
        if (path.equals("/api2/json/nodes")) {
            return List.of(nodeEntry());
        } else if (path.equals(nodePath + "/status")) {
            return nodeStatus();
        } else if (path.equals(nodePath + "/qemu")) {
            return List.of(guestEntry());
        } else if (path.equals(nodePath + "/qemu/" + vmid + "/status/current")) {
            return guestStatus();
        } else if (path.equals(nodePath + "/tasks")) {
            return tasks(query);
        }
        final Matcher log = TASK_LOG.matcher(path);
        if (log.matches() && log.group(1).equals(node)) {
            return taskLog(URLDecoder.decode(log.group(2), StandardCharsets.UTF_8), query);
        }
        return null;
    }

    private Map<String, Object> nodeEntry() {
        final Map<String, Object> n = new LinkedHashMap<>();
        n.put("node", node);
        n.put("status", "online");
        n.put("type", "node");
        n.put("id", "node/" + node);
        n.put("level", "");
        n.put("maxcpu", 16);
        n.put("cpu", 0.18);
        n.put("maxmem", NODE_MEMORY);
        n.put("mem", memoryUsed());
        n.put("uptime", 1_209_600);
        return n;
    }

    private Map<String, Object> nodeStatus() {
        statusReads.incrementAndGet();
        if (task != null) {
            // Backups fill the page cache and ZFS ARC: a few percent per poll, up to nearly full.
            memoryPercent = Math.min(97.5, memoryPercent + 6);
        }
        final long used = memoryUsed();
        final Map<String, Object> s = new LinkedHashMap<>();
        s.put("memory", Map.of("total", NODE_MEMORY, "used", used, "free", NODE_MEMORY - used));
        s.put("swap", Map.of("total", 8 * GIB, "used", 0, "free", 8 * GIB));
        s.put("cpu", task == null ? 0.07 : 0.41);
        s.put("wait", task == null ? 0.004 : 0.09);
        s.put("loadavg", List.of("1.12", "0.98", "0.87"));
        s.put("uptime", 1_209_600);
        s.put("kversion", "Linux 6.8.12-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4");
        s.put("pveversion", "pve-manager/8.3.0/c1689ccb1065a83b");
        s.put("cpuinfo", Map.of("cpus", 16, "sockets", 1, "cores", 8, "model", "AMD Ryzen 7 5800X 8-Core Processor"));
        return s;
    }

    private long memoryUsed() {
        return (long) (NODE_MEMORY * memoryPercent / 100);
    }

    private Map<String, Object> guestEntry() {
        final Map<String, Object> g = new LinkedHashMap<>();
        g.put("vmid", vmid);
        g.put("name", guest);
        g.put("status", "running");
        g.put("cpus", 4);
        g.put("cpu", 0.21);
        g.put("maxmem", 8 * GIB);
        g.put("mem", 6 * GIB);
        g.put("maxdisk", 32 * GIB);
        g.put("uptime", 864_000);
        return g;
    }

    private Map<String, Object> guestStatus() {
        final Map<String, Object> g = new LinkedHashMap<>(guestEntry());
        g.put("qmpstatus", "running");
        g.put("balloon", 8 * GIB);
        g.put("ballooninfo", Map.of("actual", 8 * GIB, "max_mem", 8 * GIB, "total_mem", 8 * GIB - 200_000_000L,
                "free_mem", 2 * GIB));
        g.put("ha", Map.of("managed", 0));
        return g;
    }

    private List<Map<String, Object>> tasks(Map<String, String> query) {
        final Task t = task;
        final long since = Long.parseLong(query.getOrDefault("since", "0"));
        if (t == null || !"vzdump".equals(query.get("typefilter")) || t.start().getEpochSecond() < since) {
            return List.of();
        }
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("upid", t.upid());
        entry.put("node", node);
        entry.put("pid", 41394);
        entry.put("pstart", 19114957);
        entry.put("starttime", t.start().getEpochSecond());
        entry.put("type", "vzdump");
        entry.put("id", "");
        entry.put("user", "root@pam");
        return List.of(entry);
    }

    /** A page of the task log; a running backup writes one more progress line per read. */
    private List<Map<String, Object>> taskLog(String upid, Map<String, String> query) {
        final Task t = task;
        if (t == null || !t.upid().equals(upid)) {
            return null;
        }
        final int percent = Math.min(95, 5 * t.log().size());
        t.log().add(String.format("INFO: %3d%% (%.1f GiB of 32.0 GiB) in %ds, read: 512.4 MiB/s, write: 498.0 MiB/s",
                percent, 32.0 * percent / 100, Instant.now().getEpochSecond() - t.start().getEpochSecond()));
        final int start = Integer.parseInt(query.getOrDefault("start", "0"));
        final int limit = Integer.parseInt(query.getOrDefault("limit", "50"));
        final List<Map<String, Object>> lines = new ArrayList<>();
        for (int i = start; i < Math.min(t.log().size(), start + limit); i++) {
            lines.add(Map.of("n", i + 1, "t", t.log().get(i)));
        }
        return lines;
    }

    private static Map<String, String> query(String raw) {
        final Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                final int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static void send(HttpExchange exchange, int code, String body) throws IOException {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json;charset=UTF-8");
        exchange.sendResponseHeaders(code, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
