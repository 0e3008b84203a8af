#!/usr/bin/env python3
"""bench/ring_gossip.py — ring convergence and failure detection on loopback.

Per run: starts 3 skald nodes (ingesters) that gossip (memberlist.join_members
lists all of them, gossip_interval 200ms, heartbeat_period 500ms, ring
heartbeat_timeout 3s), waits until each sees 3 ACTIVE instances, then:

  join:    starts a 4th node and measures the time from its /ready 200 (it
           is then ACTIVE locally), and from its exec, until all 4 nodes show
           it ACTIVE in GET /ring (JSON), polled every 5 ms;
  gossip:  kill -9 of node 2, time until every survivor's /memberlist shows
           its endpoint unreachable (CAF down_msg / failed exchange);
  ring:    same kill, time until every survivor's /ring shows it UNHEALTHY
           (bounded below by heartbeat_timeout: 3s here).

Prints each run and the medians.

usage: bench/ring_gossip.py BUILD_DIR/skald [runs=5]
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import free_port, get, ring_states, wait  # noqa: E402


def ring(port):
    return ring_states(port, "/ring")


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def unreachable(port, endpoint):
    st, body = get(port, "/memberlist")
    if st != 200:
        return False
    return any(m["endpoint"] == endpoint and m["state"] == "unreachable"
               for m in json.loads(body)["members"])


class node:
    def __init__(self, binary, i, http_port, gossip_ports, d):
        join = ",".join("127.0.0.1:%d" % p for p in gossip_ports)
        args = [binary, "-config.file=" + os.path.join(REPO, "configs/skald-local.yaml"),
                "-server.http-listen-port=%d" % http_port, "-common.path-prefix=" + d,
                # each node publishes its CAF directory there (docs/cluster.md)
                "-server.grpc-listen-port=%d" % free_port(),
                "-memberlist.bind-addr=127.0.0.1", "-memberlist.bind-port=%d" % gossip_ports[i],
                "-memberlist.join=" + join, "-memberlist.gossip-interval=200ms",
                "-ingester.lifecycler.id=ingester-%d" % i, "-ingester.lifecycler.address=127.0.0.1",
                "-ingester.lifecycler.heartbeat-period=500ms",
                "-ingester.lifecycler.ring.heartbeat-timeout=3s", "-log.level=warn"]
        self.port = http_port
        self.endpoint = "127.0.0.1:%d" % gossip_ports[i]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def ready(self):
        return get(self.port, "/ready", False)[0] == 200

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run(binary):
    n = 4
    http_ports = [free_port() for _ in range(n)]
    gossip_ports = [free_port() for _ in range(n)]
    dirs = [tempfile.mkdtemp(prefix="skald-ring-bench-") for _ in range(n)]
    nodes = []
    try:
        for i in range(3):
            nodes.append(node(binary, i, http_ports[i], gossip_ports, dirs[i]))
        for nd in nodes:
            wait(nd.ready)
        for nd in nodes:
            wait(lambda: list(ring(nd.port).values()).count("ACTIVE") == 3)
        t_exec = time.monotonic()
        fourth = node(binary, 3, http_ports[3], gossip_ports, dirs[3])
        nodes.append(fourth)
        t_ready = wait(fourth.ready, step=0.002)
        t_all = t_ready
        for nd in nodes:
            t_all = max(t_all, wait(lambda: ring(nd.port).get("ingester-3") == "ACTIVE"))
        join_s = t_all - t_ready
        exec_s = t_all - t_exec
        victim = nodes[2]
        survivors = [nodes[0], nodes[1], nodes[3]]
        t_kill = time.monotonic()
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        t_gossip = max(wait(lambda: unreachable(s.port, victim.endpoint)) for s in survivors)
        t_ring = max(wait(lambda: ring(s.port).get("ingester-2") == "UNHEALTHY") for s in survivors)
        return join_s, exec_s, t_gossip - t_kill, t_ring - t_kill
    finally:
        for nd in nodes:
            nd.stop()
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    joins, execs, gossips, rings = [], [], [], []
    for r in range(runs):
        j, e, g, k = run(binary)
        joins.append(j)
        execs.append(e)
        gossips.append(g)
        rings.append(k)
        print("run %d: join seen by all %.3fs after its /ready (%.3fs after exec), kill seen "
              "(memberlist) %.3fs, kill seen (/ring UNHEALTHY) %.3fs" % (r + 1, j, e, g, k),
              flush=True)
    print("median: join %.3fs after /ready, %.3fs after exec; memberlist %.3fs; ring %.3fs"
          % (statistics.median(joins), statistics.median(execs), statistics.median(gossips),
             statistics.median(rings)))


if __name__ == "__main__":
    main()
