#!/usr/bin/env python3
"""Independent sanity check of scenario files against the classifier's rules (no Java needed).

usage: explain_scenarios.py SCENARIO.jsonl [...]

For each scenario file:
  1. validates every line: JSON, a known topic, the contract's field names and types
     (ISO-8601 UTC times ending in Z, ints, longs, doubles, booleans, the backup phase enum);
  2. replays the rules of the event contract in plain Python, independently of the Java
     classifier: per restart, the evidence holding in the 10-minute look-back window before its
     finishedAt (backup on the node's host as source or target + 30 min cool-down, host memory
     >= 95 %, balloon < 90 % of max, memory PSI >= 10, CPU >= 0.90 or iowait >= 0.20 sustained
     >= 2 min, etcd WAL fsync p99 > 10 ms or slow applies, API timeouts to a non-loopback address,
     the application's own failure in the log) and the category the precedence gives;
  3. groups restarts per cluster and category with a 30-minute gap and compares the resulting
     incidents with NAME.expected.json beside the file (or in ../../test/resources/scenarios for
     the bundled ones) using check-incidents.py.
Exit 0 when every file is valid and every expectation matches the rules' outcome.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "..", "check-incidents.py")

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$")
PHASES = {"JOB_START", "JOB_END", "JOB_ABORT", "BACKUP_START", "BACKUP_END", "BACKUP_ABORT", "UNKNOWN"}
INT32 = (-2 ** 31, 2 ** 31 - 1)

# topic -> field -> (type, required)
SCHEMA = {
    "pod-restarts": {"cluster": ("string", 1), "namespace": ("string", 1), "pod": ("string", 1),
                     "container": ("string", 1), "node": ("string", 0), "restartCount": ("int", 1),
                     "terminatedReason": ("string", 0), "exitCode": ("int", 0), "finishedAt": ("time", 1),
                     "waitingReason": ("string", 0), "message": ("string", 0)},
    "backup-events": {"host": ("string", 1), "phase": ("phase", 1), "vmid": ("int", 0), "jobId": ("string", 0),
                      "upid": ("string", 0), "storage": ("string", 0), "targetHost": ("string", 0),
                      "status": ("string", 0), "time": ("time", 1)},
    "etcd-latency": {"cluster": ("string", 1), "member": ("string", 1), "walFsyncP99Ms": ("double", 1),
                     "backendCommitP99Ms": ("double", 0), "slowApplies": ("int", 0), "dbSizeBytes": ("long", 0),
                     "dbSizeInUseBytes": ("long", 0), "leader": ("boolean", 0), "time": ("time", 1)},
    "proxmox-memory": {"host": ("string", 1), "vmid": ("int", 0), "vmName": ("string", 0),
                       "memUsedBytes": ("long", 1), "memTotalBytes": ("long", 1), "balloonActualBytes": ("long", 0),
                       "balloonMaxBytes": ("long", 0), "memPressureSomeAvg10": ("double", 0),
                       "cpuUsage": ("double", 0), "ioWait": ("double", 0), "time": ("time", 1)},
    "inventory": {"cluster": ("string", 1), "node": ("string", 1), "host": ("string", 1), "vmid": ("int", 0),
                  "role": ("string", 0)},
    "storage-locations": {"storage": ("string", 1), "host": ("string", 1)},
}

LOOKBACK = timedelta(minutes=10)
COOL_DOWN = timedelta(minutes=30)
GAP = timedelta(minutes=30)
SUSTAINED = timedelta(minutes=2)
PRECEDENCE = ["OOM_KILLED", "IMAGE_PULL_FAILURE", "BACKUP_IO_CONTENTION", "HOST_MEMORY_PRESSURE",
              "HOST_CPU_CONTENTION", "ETCD_DISK_LATENCY", "API_SERVER_UNREACHABLE", "APP_CRASH"]
TRANSIENT = {"BACKUP_IO_CONTENTION", "HOST_MEMORY_PRESSURE", "HOST_CPU_CONTENTION"}

TIMEOUT = re.compile(r"context deadline exceeded|i/o timeout|timed out|Client\.Timeout|request did not complete"
                     r"|handlers are not fully synchronized|context canceled|unable to sync caches", re.I)
LEADER_LOST = re.compile(r"leader ?election lost|failed to renew lease", re.I)
ENDPOINT = re.compile(r"(?:https?://|dial tcp )([A-Za-z0-9_.\-]+)(?::\d+)?")
OWN_FAILURE = re.compile(r"panic:|nil pointer|invalid configuration|invalid argument|segmentation fault"
                         r"|no such file or directory|failed to parse", re.I)


def when(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def hm(t):
    return t.strftime("%H:%M:%S")


def check_type(kind, v):
    if kind == "string":
        return isinstance(v, str) and v != ""
    if kind == "int":
        return isinstance(v, int) and not isinstance(v, bool) and INT32[0] <= v <= INT32[1]
    if kind == "long":
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == "double":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if kind == "boolean":
        return isinstance(v, bool)
    if kind == "time":
        return isinstance(v, str) and bool(TIME_RE.match(v))
    if kind == "phase":
        return v in PHASES
    raise ValueError(kind)


def load(path):
    """Returns (events by topic, problems)."""
    topics = {t: [] for t in SCHEMA}
    problems = []
    for n, line in enumerate(open(path), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            rec = json.loads(text)
        except ValueError as e:
            problems.append(f"line {n}: not JSON: {e}")
            continue
        topic, value = rec.get("topic"), rec.get("value")
        if set(rec) - {"topic", "key", "value"}:
            problems.append(f"line {n}: unknown line fields {sorted(set(rec) - {'topic', 'key', 'value'})}")
        if topic == "inventory" and isinstance(value, dict) and "node" not in value and "storage" in value:
            topic = "storage-locations"
        if topic not in SCHEMA or not isinstance(value, dict):
            problems.append(f"line {n}: bad topic/value {topic!r}")
            continue
        schema = SCHEMA[topic]
        for field, v in value.items():
            if field not in schema:
                problems.append(f"line {n}: {topic}: unknown field {field}")
            elif not check_type(schema[field][0], v):
                problems.append(f"line {n}: {topic}: {field}={v!r} is not a {schema[field][0]}")
        for field, (kind, required) in schema.items():
            if required and field not in value:
                problems.append(f"line {n}: {topic}: missing {field}")
        for ratio in ("cpuUsage", "ioWait"):
            if ratio in value and not 0 <= value[ratio] <= 1.0:
                problems.append(f"line {n}: {ratio} out of 0..1")
        topics[topic].append(value)
    return topics, problems


def backup_runs(events, storage_hosts):
    """Runs per (source host, job): first start phase to last end/abort phase."""
    runs = []
    by_job = {}
    for e in sorted(events, key=lambda e: (e["time"], e["phase"] not in ("JOB_START", "BACKUP_START"))):
        by_job.setdefault((e["host"], e.get("jobId") or e.get("upid") or "vzdump"), []).append(e)
    for (host, job), evs in by_job.items():
        current = None
        for e in evs:
            target = e.get("targetHost") or storage_hosts.get(e.get("storage"))
            t = when(e["time"])
            if e["phase"] in ("JOB_START", "BACKUP_START"):
                if current is None or current["closed"]:
                    if current is not None:
                        runs.append(current)
                    current = {"host": host, "job": job, "target": target, "start": t, "end": None, "closed": False}
            elif e["phase"] in ("JOB_END", "JOB_ABORT", "BACKUP_END", "BACKUP_ABORT"):
                if current is None:
                    current = {"host": host, "job": job, "target": target, "start": t, "end": None, "closed": False}
                current["end"] = t
                current["closed"] = e["phase"] in ("JOB_END", "JOB_ABORT")
            if target and current:
                current["target"] = target
        if current is not None:
            runs.append(current)
    return runs


def longest_run(samples, key, threshold):
    best, start = timedelta(0), None
    for s in samples:
        v = s.get(key)
        if v is None:
            continue
        if v >= threshold:
            start = start or when(s["time"])
            best = max(best, when(s["time"]) - start)
        else:
            start = None
    return best


def explain(path):
    topics, problems = load(path)
    if problems:
        for p in problems[:20]:
            print("  INVALID", p)
        return None, problems
    placements = {(p["cluster"], p["node"]): p for p in topics["inventory"]}
    storage_hosts = {s["storage"]: s["host"] for s in topics["storage-locations"]}
    runs = backup_runs(topics["backup-events"], storage_hosts)
    samples = sorted(topics["proxmox-memory"], key=lambda s: s["time"])
    etcd = sorted(topics["etcd-latency"], key=lambda s: s["time"])
    restarts = sorted(topics["pod-restarts"], key=lambda r: r["finishedAt"])

    for r in runs:
        end = hm(r["end"]) if r["end"] else "?"
        print(f"  backup run {r['host']}/{r['job']} -> {r['target'] or '-'}: {r['start']:%Y-%m-%d %H:%M}-{end}")

    counts = {}
    classified = []
    for r in restarts:
        t = when(r["finishedAt"])
        lo = t - LOOKBACK
        pc = (r["cluster"], r["pod"], r["container"])
        if pc in counts and r["restartCount"] <= counts[pc]:
            problems.append(f"restartCount does not increase for {pc} at {r['finishedAt']}")
        counts[pc] = r["restartCount"]
        placement = placements.get((r["cluster"], r.get("node")))
        host = placement["host"] if placement else None
        msg = r.get("message") or ""
        held, why = [], []

        if r.get("terminatedReason") == "OOMKilled" or r.get("exitCode") == 137:
            held.append("OOM_KILLED"); why.append("oom")
        if r.get("waitingReason") in ("ImagePullBackOff", "ErrImagePull"):
            held.append("IMAGE_PULL_FAILURE"); why.append(r["waitingReason"])
        if host:
            for b in runs:
                if host in (b["host"], b["target"]) and b["start"] <= t and (b["end"] is None or t <= b["end"] + COOL_DOWN):
                    role = "source" if b["host"] == host else "target"
                    state = "running" if b["end"] is None or t <= b["end"] else "cool-down"
                    held.append("BACKUP_IO_CONTENTION")
                    why.append(f"backup {b['host']}->{b['target']} ({role}, {state})")
                    break
            hs = [s for s in samples if s["host"] == host and "vmid" not in s and lo <= when(s["time"]) <= t]
            gs = [s for s in samples if s["host"] == host and s.get("vmid") == placement.get("vmid")
                  and lo <= when(s["time"]) <= t]
            mem = max((s["memUsedBytes"] / s["memTotalBytes"] for s in hs), default=0)
            balloon = min((s["balloonActualBytes"] / s["balloonMaxBytes"] for s in gs
                           if s.get("balloonActualBytes") and s.get("balloonMaxBytes")), default=1.0)
            psi = max((s.get("memPressureSomeAvg10") or 0 for s in hs + gs), default=0)
            if mem >= 0.95 or balloon < 0.90 or psi >= 10:
                held.append("HOST_MEMORY_PRESSURE")
                why.append(f"mem {mem:.1%} balloon {balloon:.0%} psi {psi:.1f}")
            cpu_run = longest_run(hs, "cpuUsage", 0.90)
            io_run = longest_run(hs, "ioWait", 0.20)
            if cpu_run >= SUSTAINED or io_run >= SUSTAINED:
                held.append("HOST_CPU_CONTENTION")
                why.append(f"cpu>=90% {cpu_run.seconds // 60}min iowait>=20% {io_run.seconds // 60}min")
            elif hs and "HOST_MEMORY_PRESSURE" not in held:
                why.append(f"host {host} calm (mem {mem:.0%}, cpu max {max(s.get('cpuUsage') or 0 for s in hs):.2f})")
        else:
            why.append("not in inventory (bare metal)" if r.get("node") else "no node")
        es = [s for s in etcd if s["cluster"] == r["cluster"] and lo <= when(s["time"]) <= t]
        wal = max((s["walFsyncP99Ms"] for s in es), default=0)
        slow = sum(s.get("slowApplies") or 0 for s in es)
        if wal > 10 or slow > 0:
            held.append("ETCD_DISK_LATENCY")
            why.append(f"etcd wal p99 max {wal:.0f}ms slow applies {slow}")
        else:
            why.append(f"etcd ok (max {wal:.1f}ms)" if es else "no etcd samples")
        endpoints = ENDPOINT.findall(msg)
        local = [e for e in endpoints if e.startswith("127.") or e == "localhost"]
        remote = [e for e in endpoints if e not in local]
        own = bool(OWN_FAILURE.search(msg)) and not LEADER_LOST.search(msg)
        if TIMEOUT.search(msg) and remote and not local and not own:
            held.append("API_SERVER_UNREACHABLE"); why.append(f"timeout to {remote[0]}")
        if own:
            why.append("log shows the app's own failure")
        category = "APP_CRASH"
        for c in held:
            if c in ("OOM_KILLED", "IMAGE_PULL_FAILURE") or not own:
                category = c
                break
        classified.append((r, t, category, host))
        print(f"  {r['finishedAt']} {r['cluster']:<7} {r['pod'][:44]:<44} #{r['restartCount']:<3} "
              f"on {r.get('node')}/{host or '-'}: {category:<22} [{'; '.join(why)}]")

    incidents = []
    for cluster in sorted({c[0]["cluster"] for c in classified}):
        for category in PRECEDENCE:
            group = [c for c in classified if c[0]["cluster"] == cluster and c[2] == category]
            current = []
            for c in group:
                if current and c[1] - current[-1][1] > GAP:
                    incidents.append((cluster, category, current))
                    current = []
                current.append(c)
            if current:
                incidents.append((cluster, category, current))
    out = []
    for n, (cluster, category, group) in enumerate(incidents):
        pods = sorted({c[0]["pod"] for c in group})
        print(f"  => incident {cluster} {category} transient={category in TRANSIENT} "
              f"{hm(group[0][1])}-{hm(group[-1][1])} restarts={len(group)} pods={pods}")
        out.append({"id": f"py-{n}", "revision": 1, "cluster": cluster, "category": category,
                    "transient": category in TRANSIENT, "windowStart": group[0][0]["finishedAt"],
                    "pods": [{"pod": p} for p in pods]})
    return out, problems


def expected_for(path):
    name = os.path.basename(path)[:-len(".jsonl")] + ".expected.json"
    for d in (os.path.dirname(os.path.abspath(path)), HERE):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    return None


def main(paths):
    ok = True
    for path in paths:
        print(f"== {os.path.basename(path)}")
        incidents, problems = explain(path)
        for p in problems:
            print("  PROBLEM", p)
        ok &= not problems
        exp = expected_for(path)
        if incidents is None or exp is None:
            ok = False
            print("  no expected file" if exp is None else "")
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            for inc in incidents:
                f.write(json.dumps(inc) + "\n")
        res = subprocess.run([sys.executable, CHECK, exp, f.name], capture_output=True, text=True)
        os.unlink(f.name)
        for line in res.stdout.strip().splitlines():
            print("  check-incidents:", line)
        ok &= res.returncode == 0
    print("ALL OK" if ok else "FAILURES")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
