#!/usr/bin/env python3
"""bench/cluster_query.py - query latency of the five-process loopback cluster
(3 ingesters, distributor, querier; RF 3; docs/cluster.md "Reads") with every
ingester healthy and with one ingester hung (SIGSTOP), in the same run.

The querier answers once a quorum of the ring's read set answered (dskit
DoUntilQuorum), so a hung ingester must not add its remote_timeout (5s) to
queries: the "hung" rows should stay near the "healthy" ones. "hung, not yet
detected" is the first ~2 s after SIGSTOP, while the ring still calls the
ingester healthy and the querier still sends to it; "hung, detected" is after
CAF's middleman heartbeat dropped it (the read set then has 2 instances).

Per run: a fresh cluster, STREAMS x LINES lines pushed through the
distributor, then QUERIES queries of each kind per phase (phases in the same
run, one after the other). Prints a Markdown table of medians over all runs.

Usage: bench/cluster_query.py [build-dir]   env: RUNS=3 QUERIES=20 STREAMS=20 LINES=2000
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import free_port  # noqa: E402


HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "build")
RUNS = int(os.environ.get("RUNS", "3"))
QUERIES = int(os.environ.get("QUERIES", "20"))
STREAMS = int(os.environ.get("STREAMS", "20"))
LINES = int(os.environ.get("LINES", "2000"))
NAMES = ["ingester-1", "ingester-2", "ingester-3", "distributor", "querier"]
TARGETS = ["ingester", "ingester", "ingester", "distributor", "querier"]


def http(port, path, body=None, headers=None, timeout=30):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start_cluster(data):
    ports = {n: (free_port(), free_port(), free_port()) for n in NAMES}
    procs = {}
    for n, t in zip(NAMES, TARGETS):
        h, g, m = ports[n]
        members = "".join(f"    - 127.0.0.1:{ports[x][2]}\n" for x in NAMES)
        cfg = (
            f"target: {t}\nauth_enabled: false\n"
            f"server: {{http_listen_address: 127.0.0.1, http_listen_port: {h}, grpc_listen_port: {g}, log_level: warn}}\n"
            f"common: {{path_prefix: {data}/{n}, replication_factor: 3, instance_addr: 127.0.0.1}}\n"
            f"ingester: {{wal: {{enabled: true}}, lifecycler: {{id: {n}}}}}\n"
            "ingester_client: {remote_timeout: 5s}\n"
            "limits_config: {ingestion_rate_mb: 1024, ingestion_burst_size_mb: 2048, "
            "max_global_streams_per_user: 0, reject_old_samples: false}\n"
            f"memberlist:\n  node_name: {n}\n  randomize_node_name: false\n  bind_addr: [127.0.0.1]\n"
            f"  bind_port: {m}\n  advertise_addr: 127.0.0.1\n  advertise_port: {m}\n"
            f"  gossip_interval: 100ms\n  join_members:\n{members}"
        )
        path = os.path.join(data, n + ".yaml")
        with open(path, "w") as f:
            f.write(cfg)
        log = open(os.path.join(data, n + ".log"), "w")
        procs[n] = subprocess.Popen([os.path.join(BUILD, "skald"), f"-config.file={path}"],
                                    stdout=log, stderr=subprocess.STDOUT)
    for n in NAMES:
        for _ in range(300):
            try:
                if http(ports[n][0], "/ready", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
    return ports, procs


def push_all(port):
    now = time.time_ns() - 600 * 10**9
    for _ in range(200):  # until the distributor sees the ring
        b = json.dumps({"streams": [{"stream": {"w": "1"}, "values": [[str(now), "w"]]}]}).encode()
        if http(port, "/loki/api/v1/push", b, {"Content-Type": "application/json"})[0] == 204:
            break
        time.sleep(0.1)
    for s in range(STREAMS):
        for off in range(0, LINES, 1000):
            vals = [[str(now + (off + i) * 1000), f"line {s} {off + i} level=info"]
                    for i in range(min(1000, LINES - off))]
            b = json.dumps({"streams": [{"stream": {"app": "bench", "s": str(s)}, "values": vals}]}).encode()
            st, body = http(port, "/loki/api/v1/push", b, {"Content-Type": "application/json"})
            assert st == 204, (st, body)
    return now


QUERIES_KINDS = {
    "logs limit 1000": '{app="bench"}',
    "count_over_time": 'sum by (s) (count_over_time({app="bench"}[1m]))',
}


def measure(port, start, kind, n=None):
    q = urllib.parse.quote(QUERIES_KINDS[kind])
    end = time.time_ns()
    path = f"/loki/api/v1/query_range?query={q}&start={start}&end={end}&limit=1000&step=60"
    out = []
    for _ in range(n or QUERIES):
        t = time.perf_counter()
        st, body = http(port, path)
        out.append((time.perf_counter() - t) * 1000)
        assert st == 200, (st, body[:200])
    return out


def main():
    results = {}
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory(prefix="skald-cq-") as data:
            ports, procs = start_cluster(data)
            try:
                start = push_all(ports["distributor"][0]) - 10**9
                qport = ports["querier"][0]
                for kind in QUERIES_KINDS:
                    measure(qport, start, kind)  # warm-up
                    results.setdefault(("healthy", kind), []).extend(measure(qport, start, kind))
                procs["ingester-3"].send_signal(signal.SIGSTOP)
                t0 = time.monotonic()
                while time.monotonic() - t0 < 1.5:  # CAF drops a hung peer after ~2 s
                    for kind in QUERIES_KINDS:
                        results.setdefault(("hung, not yet detected", kind), []).extend(
                            measure(qport, start, kind, 1))
                time.sleep(3)
                for kind in QUERIES_KINDS:
                    results.setdefault(("hung, detected", kind), []).extend(measure(qport, start, kind))
                procs["ingester-3"].send_signal(signal.SIGCONT)
            finally:
                for p in procs.values():
                    p.send_signal(signal.SIGCONT)
                    p.terminate()
                for p in procs.values():
                    try:
                        p.wait(15)
                    except subprocess.TimeoutExpired:
                        p.kill()
    print("| phase | query | n | median ms | p90 ms | ratio to healthy |")
    print("|---|---|---|---|---|---|")
    for kind in QUERIES_KINDS:
        base = statistics.median(results[("healthy", kind)])
        for phase in ("healthy", "hung, not yet detected", "hung, detected"):
            v = sorted(results[(phase, kind)])
            med = statistics.median(v)
            p90 = v[int(0.9 * (len(v) - 1))]
            print(f"| {phase} | {kind} | {len(v)} | {med:.1f} | {p90:.1f} | {med / base:.2f} |")


if __name__ == "__main__":
    main()
