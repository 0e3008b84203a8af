#!/usr/bin/env python3
"""bench/cluster_tail_latency.py — live tail latency over the loopback cluster
(docs/cluster.md, "Live tail over the cluster"): from a push's 204 at the
distributor to the line's arrival on a WebSocket tail opened on the
querier-only node (3 ingesters, RF 3, so every line arrives three times and
is sent once), and, in the same run, on one `-target=all` node for the ratio.
N pushes of LINES_PER_PUSH lines (default 1) are sent one at a time, PACE ms
apart; each line's latency is its
arrival time minus its 204 time (negative when the tail was faster than the
push's answer), and also minus the time its request was sent. Lines that
arrive more than once (RF replicas not deduped) are counted. Prints median /
p99 / max per setup and run, then the medians over the runs, as one JSON line
per setup.

Usage: bench/cluster_tail_latency.py [build-dir] [N] [RUNS] [PACE_MS] [LINES_PER_PUSH]
  e.g. bench/cluster_tail_latency.py build 500 5 5      (one line per push)
       bench/cluster_tail_latency.py build 300 5 5 100  (100 lines per push: under load)
Benchmarks only (free ports from the OS, processes killed at the end)."""
import base64
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def node_yaml(name, target, ports, members, data, rf):
    lines = [
        f"target: {target}", "auth_enabled: false",
        f"server: {{http_listen_address: 127.0.0.1, http_listen_port: {ports[name][0]}, "
        f"grpc_listen_port: {ports[name][1]}, "
        f"log_level: {os.environ.get('SKALD_BENCH_LOG_LEVEL', 'warn')}}}",
        f"common: {{path_prefix: {data}/{name}, replication_factor: {rf}, instance_addr: 127.0.0.1}}",
        f"ingester: {{wal: {{enabled: true}}, lifecycler: {{id: {name}, min_ready_duration: 0s}}}}",
        "limits_config: {ingestion_rate_mb: 1024, ingestion_burst_size_mb: 2048, "
        "max_global_streams_per_user: 0, reject_old_samples: false}",
    ]
    if members:
        lines += ["memberlist:", f"  node_name: {name}", "  randomize_node_name: false",
                  "  bind_addr: [127.0.0.1]", f"  bind_port: {ports[name][2]}",
                  "  advertise_addr: 127.0.0.1", f"  advertise_port: {ports[name][2]}",
                  "  gossip_interval: 100ms", "  join_members:"]
        lines += [f"    - 127.0.0.1:{ports[m][2]}" for m in members]
    return "\n".join(lines) + "\n"


class tail_reader:
    """A minimal RFC 6455 client: upgrade, then read server text frames
    (unmasked) on a thread, recording each line's arrival time."""

    def __init__(self, port, query):
        self.arrivals = {}
        self.duplicates = 0
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        path = "/loki/api/v1/tail?query=" + urllib.parse.quote(query) + \
            f"&start={time.time_ns()}"
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(4096)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError(head.decode())
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def run(self):
        message = b""  # a text message, possibly in fragments (opcode 0)
        try:
            while not self.stop:
                b0, b1 = self.need(2)
                n = b1 & 0x7F
                if n == 126:
                    n = int.from_bytes(self.need(2), "big")
                elif n == 127:
                    n = int.from_bytes(self.need(8), "big")
                payload = self.need(n)
                if b0 & 0x0F in (0, 1):
                    message += payload
                    if not b0 & 0x80:  # not the final fragment
                        continue
                    payload, message = message, b""
                    now = time.monotonic()
                    for s in json.loads(payload)["streams"]:
                        for _, line in s["values"]:
                            if line in self.arrivals:
                                self.duplicates += 1
                            else:
                                self.arrivals[line] = now
                elif b0 & 0x0F == 8:
                    return
        except (EOFError, OSError):
            return

    def close(self):
        self.stop = True
        self.sock.close()


def subscriptions(port):
    for l in benchlib.get(port, "/metrics", False)[1].decode().splitlines():
        if l.startswith("skald_querier_tail_ingester_subscriptions "):
            return float(l.split()[1])
    return -1


def measure(push_port, tail_port, n, pace_ms, tag, ingesters, per_push):
    reader = tail_reader(tail_port, '{app="lat"}')
    if ingesters:  # cluster: the tail follows every ingester
        try:
            benchlib.wait(lambda: subscriptions(tail_port) == ingesters, 30, 0.05)
        except RuntimeError:
            raise RuntimeError(f"the tail holds {subscriptions(tail_port)} ingester "
                               f"subscriptions, not {ingesters}; querier ring: "
                               f"{benchlib.ring_states(tail_port)}")
    time.sleep(0.5)
    c = http.client.HTTPConnection("127.0.0.1", push_port, timeout=10)
    acked, sent = {}, {}
    began = time.monotonic()
    for i in range(n):
        lines = [f"{tag}-{i}-{j}" for j in range(per_push)]
        ts = time.time_ns()
        body = json.dumps({"streams": [{"stream": {"app": "lat"},
                                        "values": [[str(ts + j), l] for j, l in enumerate(lines)]}]})
        t0 = time.monotonic()
        c.request("POST", "/loki/api/v1/push", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status == 204:
            t1 = time.monotonic()
            for l in lines:
                acked[l] = t1
                sent[l] = t0
        time.sleep(pace_ms / 1000)
    rate = len(acked) / (time.monotonic() - began)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(reader.arrivals) < len(acked):
        time.sleep(0.05)
    time.sleep(0.5)  # late replicas would arrive now
    reader.close()
    lat = sorted((reader.arrivals[l] - t) * 1000 for l, t in acked.items() if l in reader.arrivals)
    from_send = sorted((reader.arrivals[l] - t) * 1000 for l, t in sent.items()
                       if l in reader.arrivals)

    def p99(xs):
        return round(xs[min(len(xs) - 1, int(len(xs) * 0.99))], 2)
    return {"lines": len(acked), "lines_per_s": round(rate), "received": len(lat),
            "duplicates": reader.duplicates,
            "median_ms": round(statistics.median(lat), 2), "p99_ms": p99(lat),
            "max_ms": round(lat[-1], 2),
            "from_send_median_ms": round(statistics.median(from_send), 2),
            "from_send_p99_ms": p99(from_send)}


def start(build, cfg, port, procs):
    procs.append(subprocess.Popen([f"{build}/skald", f"-config.file={cfg}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    benchlib.wait(lambda: benchlib.get(port, "/ready")[0] == 200, timeout=30)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "build")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    pace = float(sys.argv[4]) if len(sys.argv) > 4 else 5
    per_push = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    results = {"cluster_querier_rf3": [], "single_node": []}
    for run in range(runs):
        for setup in ("cluster_querier_rf3", "single_node"):
            procs = []
            data = tempfile.mkdtemp(prefix="skald-tail-lat-")
            try:
                if setup == "single_node":
                    ports = {"all": (benchlib.free_port(), benchlib.free_port(), 0)}
                    cfg = f"{data}/all.yaml"
                    open(cfg, "w").write(node_yaml("all", "all", ports, [], data, 1))
                    start(build, cfg, ports["all"][0], procs)
                    push_port = tail_port = ports["all"][0]
                else:
                    names = ["ingester-1", "ingester-2", "ingester-3", "distributor", "querier"]
                    targets = ["ingester"] * 3 + ["distributor", "querier"]
                    ports = {m: (benchlib.free_port(), benchlib.free_port(), benchlib.free_port())
                             for m in names}
                    for m, t in zip(names, targets):
                        cfg = f"{data}/{m}.yaml"
                        open(cfg, "w").write(node_yaml(m, t, ports, names, data, 3))
                        procs.append(subprocess.Popen([f"{build}/skald", f"-config.file={cfg}"],
                                                      stdout=subprocess.DEVNULL,
                                                      stderr=open(f"{data}/{m}.log", "w")))
                    for m in names:
                        benchlib.wait(lambda: benchlib.get(ports[m][0], "/ready")[0] == 200, 30)
                    push_port, tail_port = ports["distributor"][0], ports["querier"][0]

                    def writable():
                        c = http.client.HTTPConnection("127.0.0.1", push_port, timeout=5)
                        c.request("POST", "/loki/api/v1/push", json.dumps(
                            {"streams": [{"stream": {"app": "warm"},
                                          "values": [[str(time.time_ns()), "x"]]}]}),
                            {"Content-Type": "application/json"})
                        return c.getresponse().status == 204
                    benchlib.wait(writable, timeout=30, step=0.1)
                    # The querier's ring view may lag: a tail opened before it
                    # can read the ingesters closes with 1011 (its history).
                    benchlib.wait(lambda: benchlib.get(
                        tail_port, "/loki/api/v1/query_range?query=%7Bapp%3D%22warm%22%7D")[0]
                        == 200, timeout=30, step=0.1)
                r = measure(push_port, tail_port, n, pace, f"{setup}-{run}",
                            3 if setup != "single_node" else 0, per_push)
                r.update({"setup": setup, "run": run})
                print(json.dumps(r), flush=True)
                results[setup].append(r)
            finally:
                for p in procs:
                    p.kill()
                for p in procs:
                    p.wait()
                if sys.exc_info()[0] is None:
                    subprocess.run(["rm", "-rf", data])
                else:
                    print(f"logs kept in {data}", file=sys.stderr)
    for setup, rs in results.items():
        print(json.dumps({"setup": setup, "runs": len(rs), "pushes_per_run": n,
                          "lines_per_push": per_push, "pace_ms": pace,
                          "median_of_medians_ms": statistics.median(r["median_ms"] for r in rs),
                          "median_p99_ms": statistics.median(r["p99_ms"] for r in rs),
                          "from_send_median_ms":
                              statistics.median(r["from_send_median_ms"] for r in rs),
                          "from_send_p99_ms": statistics.median(r["from_send_p99_ms"] for r in rs),
                          "lines_per_s": statistics.median(r["lines_per_s"] for r in rs),
                          "lost": sum(r["lines"] - r["received"] for r in rs),
                          "duplicates": sum(r["duplicates"] for r in rs)}))


if __name__ == "__main__":
    main()
