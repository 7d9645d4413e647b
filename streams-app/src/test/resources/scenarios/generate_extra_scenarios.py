#!/usr/bin/env python3
"""Generates the extra acceptance scenarios of incident-correlator (JSON Lines + expected outcome).

usage: generate_extra_scenarios.py [OUTPUT_DIR]      (default: the folder this script lives in)

Each scenario is written as NAME.jsonl (events, one a line, contract field names) and
NAME.expected.json (the incidents a replay must produce, in the format that
check-incidents.py reads). The output is deterministic: every scenario has its own seeded
random generator, so re-running the script rewrites identical files. The .jsonl files are
what the tests use; this script only documents how they were made and makes them easy to
change.

Scenarios (homelab: Proxmox hosts ruapehu, pihanga, hikurangi; clusters prod, monit, agentic;
PBS datastore pbs-main on pihanga). Dates avoid the existing scenarios' days (Feb 26, Feb 27,
Mar 2):

  etcd-fragmentation          2026-03-03  runbook 004: fragmented etcd (469 MB allocated / 71 MB in
                                          use), slow fdatasync for an hour, calm hosts, no backup ->
                                          ETCD_DISK_LATENCY (bare-metal and hosted members alike);
                                          a cert-manager config error in the morning -> APP_CRASH
  noisy-neighbour             2026-03-04  runbook 003: ruapehu CPU >= 95 % and iowait ~30 % for 20 min,
                                          no backup -> HOST_CPU_CONTENTION; a lone one-minute CPU
                                          spike; an unrelated crash 3 h later -> APP_CRASH
  balloon-reclaim             2026-03-05  pihanga memory 96-99 %, talos-monitor balloon at 70 % for
                                          40 min, no backup -> HOST_MEMORY_PRESSURE (over etcd latency)
  api-server-unreachable      2026-03-06  leader election lost with i/o timeouts to 10.96.0.1:443, calm
                                          hosts, etcd fine -> API_SERVER_UNREACHABLE; ErrImagePull on
                                          monit -> IMAGE_PULL_FAILURE
  target-host-and-real-crash  2026-03-07  ruapehu backs up to pbs-main without targetHost; the inventory
                                          places pbs-main on pihanga -> monit restarts are
                                          BACKUP_IO_CONTENTION (receiving host), prod scheduler too;
                                          a Go panic in the same window -> APP_CRASH. Lines are
                                          deliberately out of order.
  late-night-grouping         2026-03-08  one pod restarting every 20 min for 2 h inside a long backup
                                          (one incident) and again 2 h after the cool-down (a second,
                                          APP_CRASH incident)

Baseline noise: etcd WAL fsync p99 2-6 ms, host memory 72-86 %, CPU 20-50 %, iowait 0-3 %.
"""
import json
import math
import os
import random
import sys
from datetime import datetime, timedelta, timezone

GIB = 1024 ** 3
MB = 1_000_000

HOST_TOTAL = {"ruapehu": 64 * GIB, "pihanga": 28 * GIB, "hikurangi": 96 * GIB}

# vmid -> (host, name, maxmem): the guests whose samples some scenarios carry.
GUESTS = {
    201: ("ruapehu", "talos-cp-01", 8 * GIB),
    211: ("ruapehu", "talos-worker-01", 12 * GIB),
    212: ("ruapehu", "talos-worker-02", 12 * GIB),
    301: ("pihanga", "talos-monitor", 24 * GIB),
    401: ("hikurangi", "agentic-01", 16 * GIB),
}

# The same node placements as the existing scenarios. agentic-02 and agentic-03 are bare
# metal: deliberately absent.
INVENTORY = [
    {"cluster": "prod", "node": "talos-cp-01", "host": "ruapehu", "vmid": 201, "role": "control-plane"},
    {"cluster": "prod", "node": "talos-worker-01", "host": "ruapehu", "vmid": 211, "role": "worker"},
    {"cluster": "prod", "node": "talos-worker-02", "host": "ruapehu", "vmid": 212, "role": "worker"},
    {"cluster": "monit", "node": "talos-monitor", "host": "pihanga", "vmid": 301, "role": "control-plane"},
    {"cluster": "agentic", "node": "agentic-01", "host": "hikurangi", "vmid": 401, "role": "control-plane"},
]
STORAGE_LOCATION = {"storage": "pbs-main", "host": "pihanga"}


def at(day, hms):
    """at("2026-03-03", "14:06:41") -> aware UTC datetime."""
    parts = [int(p) for p in hms.split(":")] + [0, 0]
    y, m, d = (int(p) for p in day.split("-"))
    return datetime(y, m, d, parts[0], parts[1], parts[2], tzinfo=timezone.utc)


def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def minutes(start, end, step):
    """Sample times from start to end (exclusive), every step minutes."""
    t = start
    while t < end:
        yield t
        t += timedelta(minutes=step)


def within(t, window):
    return window is not None and window[0] <= t <= window[1]


def klog(level, t, micros, source, text):
    """A klog line: E0303 14:06:40.512339       1 server.go:266] text"""
    return f"{level}{t:%m%d} {t:%H:%M:%S}.{micros:06d}       1 {source}] {text}"


class Scenario:
    def __init__(self, name, seed, title):
        self.name = name
        self.title = title
        self.rng = random.Random(seed)
        self.events = []      # (topic, value)
        self.expected = []

    # --- noise -------------------------------------------------------------------------

    def uniform(self, lo, hi, digits=3):
        return round(self.rng.uniform(lo, hi), digits)

    def log_uniform(self, lo, hi, digits=2):
        return round(math.exp(self.rng.uniform(math.log(lo), math.log(hi))), digits)

    # --- events ------------------------------------------------------------------------

    def add(self, topic, value):
        self.events.append((topic, {k: v for k, v in value.items() if v is not None}))

    def inventory(self, storage_location=False):
        for placement in INVENTORY:
            self.add("inventory", placement)
        if storage_location:
            self.add("inventory", STORAGE_LOCATION)

    def host_samples(self, host, start, end, step=1, profile=lambda t: {}, psi=False):
        """Host samples with a bounded random walk for memory; profile(t) may override any of
        mem / cpu / iowait / psi with a (lo, hi) range for that sample."""
        total = HOST_TOTAL[host]
        mem = self.rng.uniform(0.76, 0.82)
        for t in minutes(start, end, step):
            mem = min(0.86, max(0.72, mem + self.rng.gauss(0, 0.006)))
            over = profile(t)
            ratio = self.rng.uniform(*over["mem"]) if "mem" in over else mem
            cpu = self.uniform(*over["cpu"]) if "cpu" in over else round(
                min(0.50, max(0.20, self.rng.gauss(0.34, 0.07))), 3)
            iowait = self.uniform(*over["iowait"]) if "iowait" in over else self.uniform(0.0, 0.03)
            value = {"host": host, "memUsedBytes": int(total * ratio), "memTotalBytes": total,
                     "cpuUsage": cpu, "ioWait": iowait, "time": iso(t)}
            if psi:
                value["memPressureSomeAvg10"] = self.uniform(*over["psi"], 2) if "psi" in over \
                    else self.uniform(0.0, 1.5, 2)
            self.add("proxmox-memory", value)

    def guest_samples(self, vmid, start, end, step=1, balloon=lambda t: 1.0):
        """Guest samples; balloon(t) gives the balloon as a fraction of its maximum."""
        host, name, maxmem = GUESTS[vmid]
        used = self.rng.uniform(0.62, 0.72)
        for t in minutes(start, end, step):
            used = min(0.80, max(0.55, used + self.rng.gauss(0, 0.004)))
            frac = balloon(t)
            actual = int(maxmem * frac)
            self.add("proxmox-memory", {
                "host": host, "vmid": vmid, "vmName": name,
                "memUsedBytes": int(min(used * maxmem, actual * 0.97)), "memTotalBytes": maxmem,
                "balloonActualBytes": actual, "balloonMaxBytes": maxmem,
                "cpuUsage": round(min(0.60, max(0.05, self.rng.gauss(0.25, 0.06))), 3),
                "time": iso(t)})

    def etcd_samples(self, cluster, member, start, end, step=1, leader=True, db=(60 * MB, 57 * MB),
                     profile=lambda t: {}):
        """etcd samples; profile(t) may give wal=(lo, hi) ms (log-uniform) and slow=(lo, hi)."""
        for t in minutes(start, end, step):
            over = profile(t)
            if "wal" in over:
                wal = self.log_uniform(*over["wal"])
                commit = round(wal * self.rng.uniform(1.3, 2.2), 2)
            else:
                wal = round(self.rng.uniform(2.0, 6.0), 2)
                commit = round(wal * self.rng.uniform(1.6, 2.4), 2)
            slow = self.rng.randint(*over["slow"]) if "slow" in over else 0
            self.add("etcd-latency", {
                "cluster": cluster, "member": member, "walFsyncP99Ms": wal, "backendCommitP99Ms": commit,
                "slowApplies": slow, "dbSizeBytes": db[0], "dbSizeInUseBytes": db[1], "leader": leader,
                "time": iso(t)})

    def backup_job(self, host, start, end, guests, target=None, job="backup-nightly", storage="pbs-main"):
        """JOB_START, BACKUP_START/END per (vmid, start, end), JOB_END."""
        common = {"host": host, "jobId": job, "storage": storage, "targetHost": target}
        self.add("backup-events", dict(common, phase="JOB_START", time=iso(start)))
        for vmid, s, e in guests:
            self.add("backup-events", dict(common, phase="BACKUP_START", vmid=vmid, time=iso(s)))
            self.add("backup-events", dict(common, phase="BACKUP_END", vmid=vmid, status="ok", time=iso(e)))
        self.add("backup-events", dict(common, phase="JOB_END", status="ok", time=iso(end)))

    def restart(self, cluster, namespace, pod, container, node, count, finished, message,
                reason="Error", exit_code=1, waiting="CrashLoopBackOff"):
        self.add("pod-restarts", {
            "cluster": cluster, "namespace": namespace, "pod": pod, "container": container, "node": node,
            "restartCount": count, "terminatedReason": reason, "exitCode": exit_code,
            "finishedAt": iso(finished), "waitingReason": waiting, "message": message})

    def expect(self, cluster, category, pods, transient, not_before=None, not_after=None):
        inc = {"cluster": cluster, "category": category, "pods": pods, "transient": transient}
        if not_before:
            inc["windowStartNotBefore"] = iso(not_before)
        if not_after:
            inc["windowStartNotAfter"] = iso(not_after)
        self.expected.append(inc)

    # --- output ------------------------------------------------------------------------

    def line(self, topic, value):
        return json.dumps({"topic": topic, "value": value})

    def ordered_lines(self):
        """Existing scenarios' layout: inventory, backup events, restarts, then samples."""
        rank = {"inventory": 0, "backup-events": 1, "pod-restarts": 2, "etcd-latency": 3, "proxmox-memory": 4}
        return [self.line(t, v) for t, v in sorted(self.events, key=lambda e: rank[e[0]])]

    def write(self, out_dir, lines=None):
        lines = self.ordered_lines() if lines is None else lines
        with open(os.path.join(out_dir, self.name + ".jsonl"), "w") as f:
            f.write(f"# {self.name}: {self.title}\n")
            f.write("# generated by generate_extra_scenarios.py; edit the script, not this file\n")
            for line in lines:
                f.write(line + "\n")
        with open(os.path.join(out_dir, self.name + ".expected.json"), "w") as f:
            json.dump({"incidents": self.expected}, f, indent=2)
            f.write("\n")


# --- messages -------------------------------------------------------------------------------

def scheduler_local_timeout(t, rng):
    """kube-scheduler losing its lease through the slow local KubePrism endpoint."""
    a = t - timedelta(seconds=rng.randint(2, 5))
    return "\n".join([
        klog("E", a, rng.randint(0, 999999), "leaderelection.go:429",
             'Failed to update lock optimistically: Put "https://127.0.0.1:7445/apis/coordination.k8s.io/v1/'
             'namespaces/kube-system/leases/kube-scheduler?timeout=5s": context deadline exceeded, '
             'falling back to slow path'),
        klog("E", t - timedelta(seconds=1), rng.randint(0, 999999), "leaderelection.go:436",
             'error retrieving resource lock kube-system/kube-scheduler: Get "https://127.0.0.1:7445/apis/'
             'coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler?timeout=5s": '
             'context deadline exceeded'),
        klog("I", t, rng.randint(0, 999999), "leaderelection.go:297",
             'failed to renew lease kube-system/kube-scheduler: timed out waiting for the condition'),
        klog("E", t, rng.randint(0, 999999), "server.go:266", '"Leaderelection lost"'),
    ])


def controller_manager_local_timeout(t, rng):
    return "\n".join([
        klog("E", t - timedelta(seconds=3), rng.randint(0, 999999), "leaderelection.go:429",
             'Failed to update lock optimistically: Put "https://127.0.0.1:7445/apis/coordination.k8s.io/v1/'
             'namespaces/kube-system/leases/kube-controller-manager?timeout=5s": net/http: request canceled '
             '(Client.Timeout exceeded while awaiting headers), falling back to slow path'),
        klog("I", t, rng.randint(0, 999999), "leaderelection.go:297",
             'failed to renew lease kube-system/kube-controller-manager: timed out waiting for the condition'),
        klog("E", t, rng.randint(0, 999999), "controllermanager.go:340", '"leaderelection lost"'),
    ])


def remote_lease_timeout(t, rng, lease):
    """Leader election lost with dial timeouts to the cluster service address."""
    url = f"https://10.96.0.1:443/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{lease}?timeout=5s"
    return "\n".join([
        klog("E", t - timedelta(seconds=7), rng.randint(0, 999999), "leaderelection.go:429",
             f'Failed to update lock optimistically: Put "{url}": dial tcp 10.96.0.1:443: i/o timeout, '
             'falling back to slow path'),
        klog("E", t - timedelta(seconds=2), rng.randint(0, 999999), "leaderelection.go:436",
             f'error retrieving resource lock kube-system/{lease}: Get "{url}": dial tcp 10.96.0.1:443: '
             'i/o timeout'),
        klog("I", t, rng.randint(0, 999999), "leaderelection.go:297",
             f'failed to renew lease kube-system/{lease}: timed out waiting for the condition'),
        klog("E", t, rng.randint(0, 999999), "server.go:266" if lease == "kube-scheduler"
             else "controllermanager.go:340", '"Leaderelection lost"'),
    ])


def scheduler_unsynced(t, rng):
    """Runbook 004: the scheduler gives up waiting for its informers."""
    return "\n".join([
        klog("W", t - timedelta(seconds=41), rng.randint(0, 999999), "reflector.go:561",
             'k8s.io/client-go/informers/factory.go:160: failed to list *v1.Pod: Get "https://127.0.0.1:7445/'
             'api/v1/pods?fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed&limit=500'
             '&resourceVersion=0": net/http: request canceled (Client.Timeout exceeded while awaiting headers)'),
        klog("E", t - timedelta(seconds=2), rng.randint(0, 999999), "shared_informer.go:316",
             '"Unable to sync caches" logger="kube-scheduler" controller="scheduler"'),
        klog("E", t, rng.randint(0, 999999), "server.go:231",
             '"handlers are not fully synchronized" err="context canceled"'),
    ])


def apiserver_etcd_timeout(t, rng):
    return "\n".join([
        klog("W", t - timedelta(seconds=9), rng.randint(0, 999999), "logging.go:55",
             '[core] [Channel #5 SubChannel #6]grpc: addrConn.createTransport failed to connect to '
             '{Addr: "127.0.0.1:2379", ServerName: "127.0.0.1:2379", }. Err: connection error: '
             'desc = "transport: Error while dialing: dial tcp 127.0.0.1:2379: i/o timeout"'),
        klog("E", t - timedelta(seconds=4), rng.randint(0, 999999), "status.go:71",
             '"Unhandled Error" err="apiserver received an error that is not an metav1.Status: '
             'rpctypes.EtcdError{code:0xe, desc:\\"etcdserver: request timed out\\"}: etcdserver: request timed out"'),
        klog("E", t, rng.randint(0, 999999), "controller.go:195",
             '"Failed to update lease" err="etcdserver: request timed out"'),
    ])


def grafana_sidecar_timeout(t):
    body = ('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Timeout: request did '
            'not complete within requested timeout - context deadline exceeded","reason":"Timeout","code":504}')
    return json.dumps({"time": t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00", "level": "ERROR",
                       "msg": "ApiException when calling kubernetes: (504)\nReason: Gateway Timeout\n"
                              "HTTP response body: " + body})


# --- scenarios ------------------------------------------------------------------------------

def etcd_fragmentation():
    day = "2026-03-03"
    s = Scenario("etcd-fragmentation", 3031,
                 "fragmented etcd (469 MB allocated / 71 MB in use) and slow fdatasync 14:00-15:00 on agentic, "
                 "calm hosts, no backup -> ETCD_DISK_LATENCY; cert-manager config error at 10:41 -> APP_CRASH")
    s.inventory()
    start, end = at(day, "09:00"), at(day, "17:00")
    slow_hour = (at(day, "14:00"), at(day, "14:59"))
    fragmented = (469 * MB, 71 * MB)

    def leader_profile(t):
        return {"wal": (20, 1000), "slow": (1, 12)} if within(t, slow_hour) else {}

    def follower_profile(t):
        return {"wal": (20, 400), "slow": (0, 4)} if within(t, slow_hour) else {}

    s.etcd_samples("agentic", "agentic-01", start, end, leader=True, db=fragmented, profile=leader_profile)
    s.etcd_samples("agentic", "agentic-02", start, end, leader=False, db=(76 * MB, 71 * MB), profile=follower_profile)
    s.etcd_samples("agentic", "agentic-03", start, end, leader=False, db=fragmented, profile=follower_profile)
    s.host_samples("hikurangi", start, end)
    s.guest_samples(401, start, end)

    rng = s.rng
    # Morning: a cert-manager release with a bad feature gate (bare-metal agentic-03).
    cm_pod = "cert-manager-6f8d7b9c4d-q7w2k"
    for n, hms in enumerate(["10:41:07", "10:41:26", "10:42:03", "10:43:31"], start=1):
        t = at(day, hms)
        msg = "\n".join([
            klog("I", t - timedelta(seconds=1), rng.randint(0, 999999), "controller.go:48",
                 '"starting cert-manager controller" version="v1.17.2" git_commit="a7c3c4d4"'),
            klog("E", t, rng.randint(0, 999999), "main.go:43",
                 '"error executing command" err="error: invalid configuration: featureGates: Invalid value: '
                 '\\"ExperimentalGatewayAPISupport=ture\\": invalid boolean value"'),
        ])
        s.restart("agentic", "cert-manager", cm_pod, "cert-manager-controller", "agentic-03", n, t, msg)

    # Afternoon: the scheduler crash-loops while etcd is slow; agentic-02 is bare metal,
    # agentic-01 is a VM on a calm hikurangi.
    restarts = [("agentic-02", 461, "14:06:41", 1), ("agentic-02", 462, "14:18:12", 143),
                ("agentic-02", 463, "14:29:55", 1), ("agentic-01", 5, "14:37:20", 1),
                ("agentic-02", 464, "14:48:03", 1), ("agentic-02", 465, "14:58:47", 143),
                ("agentic-01", 6, "15:05:30", 1)]
    for node, count, hms, code in restarts:
        t = at(day, hms)
        s.restart("agentic", "kube-system", f"kube-scheduler-{node}", "kube-scheduler", node, count, t,
                  scheduler_unsynced(t, rng), exit_code=code)

    s.expect("agentic", "APP_CRASH", [cm_pod], False, at(day, "10:30"), at(day, "10:50"))
    s.expect("agentic", "ETCD_DISK_LATENCY", ["kube-scheduler-agentic-02", "kube-scheduler-agentic-01"], False,
             at(day, "14:00"), at(day, "14:10"))
    return s


def noisy_neighbour():
    day = "2026-03-04"
    s = Scenario("noisy-neighbour", 3041,
                 "ruapehu CPU >= 95 % and iowait ~30 % 13:52-14:11, no backup -> HOST_CPU_CONTENTION on prod "
                 "control plane; a lone CPU spike at 16:05; cloudflared crash at 17:12 -> APP_CRASH")
    s.inventory()
    start, end = at(day, "11:00"), at(day, "19:00")
    starved = (at(day, "13:52"), at(day, "14:11"))
    spike = at(day, "16:05")

    def ruapehu(t):
        if within(t, starved):
            return {"cpu": (0.95, 0.995), "iowait": (0.26, 0.34), "mem": (0.89, 0.93)}
        if t == spike:
            return {"cpu": (0.96, 0.97), "iowait": (0.04, 0.06)}
        return {}

    def etcd(t):
        # A starved host makes etcd slow: latency follows the CPU starvation, not the other way round.
        return {"wal": (15, 350), "slow": (0, 6)} if within(t, (at(day, "13:54"), at(day, "14:12"))) else {}

    s.host_samples("ruapehu", start, end, profile=ruapehu)
    s.guest_samples(201, start, end)
    s.etcd_samples("prod", "talos-cp-01", start, end, profile=etcd)

    rng = s.rng
    cp = [("kube-apiserver", 3, "14:01:37"), ("kube-scheduler", 21, "14:03:10"),
          ("kube-controller-manager", 17, "14:04:52"), ("kube-scheduler", 22, "14:09:30"),
          ("kube-apiserver", 4, "14:12:15")]
    for container, count, hms in cp:
        t = at(day, hms)
        msg = {"kube-apiserver": apiserver_etcd_timeout, "kube-scheduler": scheduler_local_timeout,
               "kube-controller-manager": controller_manager_local_timeout}[container](t, rng)
        s.restart("prod", "kube-system", f"{container}-talos-cp-01", container, "talos-cp-01", count, t, msg)

    cf_pod = "cloudflared-7d4b9c8f5-kx7pq"
    for n, hms in [(1, "17:12:03"), (2, "17:12:19")]:
        t = at(day, hms)
        msg = "\n".join([
            f"{iso(t - timedelta(seconds=2))} INF Starting tunnel tunnelID=3f1c9a52-8e0b-4d7a-9a61-5b2f0e7c1d44",
            f"{iso(t - timedelta(seconds=1))} ERR Register tunnel error from server side "
            'error="Unauthorized: Invalid tunnel secret" connIndex=0 event=0 ip=198.41.200.13',
            f"{iso(t)} ERR Couldn't start tunnel error=\"Unauthorized: Invalid tunnel secret\"",
        ])
        s.restart("prod", "networking", cf_pod, "cloudflared", "talos-worker-02", n, t, msg)

    s.expect("prod", "HOST_CPU_CONTENTION",
             ["kube-apiserver-talos-cp-01", "kube-scheduler-talos-cp-01", "kube-controller-manager-talos-cp-01"],
             True, at(day, "13:52"), at(day, "14:12"))
    s.expect("prod", "APP_CRASH", [cf_pod], False, at(day, "16:30"))
    return s


def balloon_reclaim():
    day = "2026-03-05"
    s = Scenario("balloon-reclaim", 3051,
                 "pihanga memory 96-99 % and talos-monitor balloon at 70 % 19:40-20:19, no backup -> "
                 "HOST_MEMORY_PRESSURE on monit (etcd latency only contributes)")
    s.inventory()
    start, end = at(day, "16:00"), at(day, "23:00")
    squeeze = (at(day, "19:40"), at(day, "20:19"))

    def pihanga(t):
        if within(t, squeeze):
            return {"mem": (0.96, 0.99), "psi": (12, 38), "cpu": (0.55, 0.72), "iowait": (0.03, 0.09)}
        return {}

    def balloon(t):
        return 0.70 if within(t, squeeze) else 1.0

    def etcd(t):
        return {"wal": (11, 45), "slow": (0, 2)} if within(t, (at(day, "19:48"), at(day, "20:15"))) else {}

    s.host_samples("pihanga", start, end, profile=pihanga, psi=True)
    s.guest_samples(301, start, end, balloon=balloon)
    s.etcd_samples("monit", "talos-monitor", start, end, profile=etcd)

    rng = s.rng
    graf = "kube-prometheus-stack-grafana-5f7b9c-abcde"
    for container, count, hms in [("grafana-sc-dashboard", 13, "19:52:11"), ("grafana-sc-datasources", 9, "19:58:40"),
                                  ("grafana-sc-dashboard", 14, "20:03:27")]:
        t = at(day, hms)
        s.restart("monit", "monitoring", graf, container, "talos-monitor", count, t, grafana_sidecar_timeout(t))
    for count, hms in [(20, "19:55:02"), (21, "20:11:45")]:
        t = at(day, hms)
        s.restart("monit", "kube-system", "kube-scheduler-talos-monitor", "kube-scheduler", "talos-monitor", count,
                  t, scheduler_local_timeout(t, rng))

    s.expect("monit", "HOST_MEMORY_PRESSURE", [graf, "kube-scheduler-talos-monitor"], True,
             at(day, "19:40"), at(day, "20:00"))
    return s


def api_server_unreachable():
    day = "2026-03-06"
    s = Scenario("api-server-unreachable", 3061,
                 "prod scheduler and controller-manager lose leader election with i/o timeouts to 10.96.0.1:443, "
                 "calm hosts, etcd fine -> API_SERVER_UNREACHABLE; ErrImagePull on monit -> IMAGE_PULL_FAILURE")
    s.inventory()
    start, end = at(day, "08:00"), at(day, "14:00")
    s.host_samples("ruapehu", start, end, step=2)
    s.guest_samples(201, start, end, step=2)
    s.etcd_samples("prod", "talos-cp-01", start, end, step=2)
    s.host_samples("pihanga", start, end, step=2)
    s.guest_samples(301, start, end, step=2)
    s.etcd_samples("monit", "talos-monitor", start, end, step=2)

    rng = s.rng
    for container, count, hms in [("kube-scheduler", 12, "10:17:42"), ("kube-controller-manager", 10, "10:18:05"),
                                  ("kube-scheduler", 13, "10:24:50"), ("kube-controller-manager", 11, "10:31:10")]:
        t = at(day, hms)
        s.restart("prod", "kube-system", f"{container}-talos-cp-01", container, "talos-cp-01", count, t,
                  remote_lease_timeout(t, rng, container))

    bb = "prometheus-blackbox-exporter-6f9d7c5b8-zr4tn"
    image = "quay.io/prometheus/blackbox-exporter:v0.27.1-distroless"
    pull = (f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and unpack image '
            f'"{image}": failed to resolve reference "{image}": {image}: not found')
    s.restart("monit", "monitoring", bb, "blackbox-exporter", "talos-monitor", 4, at(day, "11:30:12"), pull,
              reason="Error", exit_code=1, waiting="ErrImagePull")
    s.restart("monit", "monitoring", bb, "blackbox-exporter", "talos-monitor", 5, at(day, "11:34:48"),
              f'Back-off pulling image "{image}"', reason="Error", exit_code=1, waiting="ImagePullBackOff")

    s.expect("prod", "API_SERVER_UNREACHABLE", ["kube-scheduler-talos-cp-01", "kube-controller-manager-talos-cp-01"],
             False, at(day, "10:10"), at(day, "10:20"))
    s.expect("monit", "IMAGE_PULL_FAILURE", [bb], False, at(day, "11:25"), at(day, "11:35"))
    return s


def target_host_and_real_crash():
    day = "2026-03-07"
    s = Scenario("target-host-and-real-crash", 3071,
                 "ruapehu -> pbs-main (no targetHost; inventory places pbs-main on pihanga) 02:20-03:18: monit "
                 "restarts on the receiving host and prod scheduler -> BACKUP_IO_CONTENTION; a Go panic in the "
                 "window -> APP_CRASH. Lines deliberately out of order.")
    s.inventory(storage_location=True)
    start, end = at(day, "00:00"), at(day, "06:00")
    # hikurangi 02:00-02:16 (cool-down to 02:46) also writes to pbs-main; pihanga's own job is
    # disabled tonight, so from 02:46 only ruapehu's job explains load on pihanga.
    s.backup_job("hikurangi", at(day, "02:00"), at(day, "02:16"),
                 [(401, at(day, "02:00:05"), at(day, "02:15:40"))])
    s.backup_job("ruapehu", at(day, "02:20"), at(day, "03:18"),
                 [(201, at(day, "02:20:04"), at(day, "02:38:51")), (211, at(day, "02:38:55"), at(day, "02:59:30")),
                  (212, at(day, "02:59:34"), at(day, "03:17:48"))])
    backup = (at(day, "02:20"), at(day, "03:18"))
    receiving = (at(day, "02:00"), at(day, "03:18"))

    def ruapehu(t):
        return {"cpu": (0.55, 0.78), "iowait": (0.07, 0.16)} if within(t, backup) else {}

    def pihanga(t):
        return {"cpu": (0.45, 0.70), "iowait": (0.06, 0.14), "mem": (0.86, 0.91)} if within(t, receiving) else {}

    def monit_etcd(t):
        return {"wal": (12, 90), "slow": (0, 3)} if within(t, (at(day, "02:30"), at(day, "03:40"))) else {}

    def prod_etcd(t):
        return {"wal": (9, 40), "slow": (0, 1)} if within(t, (at(day, "02:25"), at(day, "03:20"))) else {}

    s.host_samples("ruapehu", start, end, profile=ruapehu)
    s.host_samples("pihanga", start, end, profile=pihanga)
    s.guest_samples(301, start, end)
    s.etcd_samples("monit", "talos-monitor", start, end, profile=monit_etcd)
    s.etcd_samples("prod", "talos-cp-01", start, end, profile=prod_etcd)

    rng = s.rng
    # monit, on the receiving host.
    for count, hms in [(22, "02:52:14"), (23, "03:06:40")]:
        t = at(day, hms)
        s.restart("monit", "kube-system", "kube-scheduler-talos-monitor", "kube-scheduler", "talos-monitor", count,
                  t, scheduler_local_timeout(t, rng))
    t = at(day, "02:53:01")
    s.restart("monit", "kube-system", "kube-controller-manager-talos-monitor", "kube-controller-manager",
              "talos-monitor", 19, t, controller_manager_local_timeout(t, rng))
    ksm = "kube-prometheus-stack-kube-state-metrics-7d9c6b8f5-x2x8q"
    t = at(day, "03:31:05")   # in the cool-down after JOB_END 03:18
    s.restart("monit", "monitoring", ksm, "kube-state-metrics", "talos-monitor", 38, t,
              klog("E", t, rng.randint(0, 999999), "main.go:159",
                   '"Failed to run kube-state-metrics" err="error: unable to sync caches: context deadline exceeded"'),
              exit_code=2)
    # prod, on the source host.
    for count, hms in [(14, "02:41:33"), (15, "03:02:10")]:
        t = at(day, hms)
        s.restart("prod", "kube-system", "kube-scheduler-talos-cp-01", "kube-scheduler", "talos-cp-01", count, t,
                  scheduler_local_timeout(t, rng))
    # The one real crash of the night.
    edns = "external-dns-6b9f7c8d4-m2kqz"
    for count, hms in [(5, "02:47:20"), (6, "02:49:05")]:
        t = at(day, hms)
        msg = "\n".join([
            f'time="{iso(t - timedelta(seconds=1))}" level=info msg="Changing record." action=UPSERT '
            'record=jellyfin.example.nz ttl=1 type=CNAME zone=5c1f0a7e9b2d4c6a8e3f1b0d9c7a5e42',
            "panic: runtime error: index out of range [3] with length 3",
            "",
            "goroutine 187 [running]:",
            "sigs.k8s.io/external-dns/provider/cloudflare.(*CloudflareProvider).submitChanges(0xc0004a2d80, "
            "{0x2c1e7a8, 0xc0001b6000}, {0xc000a3e000, 0x3, 0x4})",
            "\t/sigs.k8s.io/external-dns/provider/cloudflare/cloudflare.go:412 +0x1c5",
            "sigs.k8s.io/external-dns/controller.(*Controller).RunOnce(0xc0002f4000, {0x2c1e7a8, 0xc0001b6000})",
            "\t/sigs.k8s.io/external-dns/controller/controller.go:238 +0x7a9",
        ])
        s.restart("prod", "networking", edns, "external-dns", "talos-worker-01", count, t, msg, exit_code=2)

    s.expect("monit", "BACKUP_IO_CONTENTION",
             ["kube-scheduler-talos-monitor", "kube-controller-manager-talos-monitor", ksm], True,
             at(day, "02:46"), at(day, "03:00"))
    s.expect("prod", "BACKUP_IO_CONTENTION", ["kube-scheduler-talos-cp-01"], True, at(day, "02:20"), at(day, "02:45"))
    s.expect("prod", "APP_CRASH", [edns], False, at(day, "02:45"), at(day, "02:50"))
    return s


def scramble(s):
    """Out-of-order layout for target-host-and-real-crash: restarts first (newest first), then the
    backup events newest first (every JOB_END before its JOB_START), the node placements, the
    samples with pihanga's host samples reversed, and the storage location last."""
    by = lambda pred: [(t, v) for t, v in s.events if pred(t, v)]
    restarts = sorted(by(lambda t, v: t == "pod-restarts"), key=lambda e: e[1]["finishedAt"], reverse=True)
    backups = sorted(by(lambda t, v: t == "backup-events"), key=lambda e: e[1]["time"], reverse=True)
    placements = by(lambda t, v: t == "inventory" and "node" in v)
    storage = by(lambda t, v: t == "inventory" and "node" not in v)
    pihanga_host = by(lambda t, v: t == "proxmox-memory" and v["host"] == "pihanga" and "vmid" not in v)
    other_samples = by(lambda t, v: t in ("proxmox-memory", "etcd-latency")
                       and not (t == "proxmox-memory" and v["host"] == "pihanga" and "vmid" not in v))
    ordered = restarts + backups + placements + other_samples + list(reversed(pihanga_host)) + storage
    assert len(ordered) == len(s.events)
    return [s.line(t, v) for t, v in ordered]


def late_night_grouping():
    day = "2026-03-08"
    s = Scenario("late-night-grouping", 3081,
                 "mayastor provisioner restarts every 20 min inside a long ruapehu backup 01:30-04:10 (one "
                 "BACKUP_IO_CONTENTION incident) and every 20 min from 06:40 with no contention (one APP_CRASH)")
    s.inventory()
    start, end = at(day, "00:30"), at(day, "09:30")
    s.backup_job("ruapehu", at(day, "01:30"), at(day, "04:10"),
                 [(201, at(day, "01:30:06"), at(day, "02:05:12")), (211, at(day, "02:05:16"), at(day, "03:10:44")),
                  (212, at(day, "03:10:48"), at(day, "04:09:31"))], target="pihanga")
    backup = (at(day, "01:30"), at(day, "04:10"))

    def ruapehu(t):
        return {"cpu": (0.50, 0.74), "iowait": (0.05, 0.15)} if within(t, backup) else {}

    def etcd(t):
        return {"wal": (6, 28), "slow": (0, 1)} if within(t, backup) else {}

    s.host_samples("ruapehu", start, end, step=2, profile=ruapehu)
    s.guest_samples(211, start, end, step=2)
    s.etcd_samples("prod", "talos-cp-01", start, end, step=2, profile=etcd)

    rng = s.rng
    pod, container = "mayastor-localpv-provisioner-5d8b7c9f6-h4tqp", "mayastor-localpv-provisioner"
    count = 26
    first = at(day, "01:50:08")
    for i in range(7):     # 01:50 .. 03:50, all inside the backup
        t = first + timedelta(minutes=20 * i, seconds=rng.randint(0, 40))
        count += 1
        url = "https://10.96.0.1:443/api/v1/namespaces/mayastor/endpoints/openebs.io-local"
        msg = "\n".join([
            klog("E", t - timedelta(seconds=4), rng.randint(0, 999999), "leaderelection.go:332",
                 f'error retrieving resource lock mayastor/openebs.io-local: Get "{url}": context deadline exceeded'),
            klog("I", t, rng.randint(0, 999999), "leaderelection.go:285",
                 "failed to renew lease mayastor/openebs.io-local: timed out waiting for the condition"),
            klog("F", t, rng.randint(0, 999999), "controller.go:888", "leaderelection lost"),
        ])
        s.restart("prod", "mayastor", pod, container, "talos-worker-01", count, t, msg, exit_code=255)
    second = at(day, "06:40:21")  # backup ended 04:10, cool-down to 04:40
    for i in range(4):     # 06:40 .. 07:40, nothing abnormal on the host or etcd
        t = second + timedelta(minutes=20 * i, seconds=rng.randint(0, 40))
        count += 1
        msg = "\n".join([
            klog("I", t - timedelta(seconds=6), rng.randint(0, 999999), "leaderelection.go:250",
                 "attempting to acquire leader lease mayastor/openebs.io-local..."),
            klog("F", t, rng.randint(0, 999999), "provisioner.go:156",
                 'Error creating provisioner: failed to get node "talos-worker-01": nodes "talos-worker-01" is '
                 'forbidden: User "system:serviceaccount:mayastor:mayastor-localpv-provisioner" cannot get '
                 'resource "nodes" in API group "" at the cluster scope'),
        ])
        s.restart("prod", "mayastor", pod, container, "talos-worker-01", count, t, msg, exit_code=255)

    s.expect("prod", "BACKUP_IO_CONTENTION", [pod], True, at(day, "01:45"), at(day, "01:55"))
    s.expect("prod", "APP_CRASH", [pod], False, at(day, "06:35"), at(day, "06:45"))
    return s


def main(out_dir):
    for build in (etcd_fragmentation, noisy_neighbour, balloon_reclaim, api_server_unreachable,
                  target_host_and_real_crash, late_night_grouping):
        s = build()
        s.write(out_dir, scramble(s) if s.name == "target-host-and-real-crash" else None)
        print(f"{s.name}: {len(s.events)} events, {len(s.expected)} expected incidents")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
