#!/usr/bin/env python3
"""bench/distributor_ring.py — how fast the distributor ring (and with it the
`global` rate split) follows distributors coming and going, on loopback.

Per run: one ingester and distributor A (configs/skald-local.yaml with
-target and gossip flags; gossip_interval 200ms, distributor.ring
heartbeat_period 200ms, heartbeat_timeout 2s), then

  join:   exec of distributor B -> A's GET /distributor/ring (JSON, polled
          every 5 ms) shows B ACTIVE (A then divides the rate by 2);
  leave:  SIGTERM of B -> B gone from A's page (LEFT tombstone gossiped on
          shutdown; A takes the full rate again);
  kill:   B started again, kill -9 -> A shows B UNHEALTHY (bounded below by
          heartbeat_timeout, 2 s; the ratio to it is printed).

Prints each run and the medians.

usage: bench/distributor_ring.py BUILD_DIR/skald [runs=5]
"""
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


def dring(port):
    return ring_states(port, "/distributor/ring")


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT_S = 2.0


class node:
    def __init__(self, binary, name, target, gossip_port, gossip_ports, d):
        self.port = free_port()
        join = ",".join("127.0.0.1:%d" % p for p in gossip_ports)
        args = [binary, "-config.file=" + os.path.join(REPO, "configs/skald-local.yaml"),
                "-target=" + target, "-server.http-listen-port=%d" % self.port,
                "-server.grpc-listen-port=%d" % free_port(), "-common.path-prefix=" + d,
                "-memberlist.bind-addr=127.0.0.1", "-memberlist.bind-port=%d" % gossip_port,
                "-memberlist.join=" + join, "-memberlist.gossip-interval=200ms",
                "-ingester.lifecycler.id=" + name, "-distributor.ring.instance-id=" + name,
                "-distributor.ring.heartbeat-period=200ms",
                "-distributor.ring.heartbeat-timeout=%ds" % TIMEOUT_S, "-log.level=warn"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def ready(self):
        return get(self.port, "/ready", False)[0] == 200

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run(binary):
    gossip = [free_port() for _ in range(3)]
    dirs = [tempfile.mkdtemp(prefix="skald-distring-bench-") for _ in range(3)]
    nodes = []
    try:
        ing = node(binary, "ing", "ingester", gossip[0], gossip, dirs[0])
        a = node(binary, "dist-a", "distributor", gossip[1], gossip, dirs[1])
        nodes += [ing, a]
        wait(ing.ready)
        wait(a.ready)
        wait(lambda: dring(a.port) == {"dist-a": "ACTIVE"})
        t0 = time.monotonic()
        b = node(binary, "dist-b", "distributor", gossip[2], gossip, dirs[2])
        nodes.append(b)
        join_s = wait(lambda: dring(a.port).get("dist-b") == "ACTIVE") - t0
        wait(b.ready)
        t0 = time.monotonic()
        b.stop(signal.SIGTERM)
        leave_s = wait(lambda: "dist-b" not in dring(a.port)) - t0
        b = node(binary, "dist-b", "distributor", gossip[2], gossip, dirs[2])
        nodes.append(b)
        wait(lambda: dring(a.port).get("dist-b") == "ACTIVE")
        t0 = time.monotonic()
        b.proc.send_signal(signal.SIGKILL)
        b.proc.wait()
        kill_s = wait(lambda: dring(a.port).get("dist-b") == "UNHEALTHY") - t0
        return join_s, leave_s, kill_s
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
    joins, leaves, kills = [], [], []
    for r in range(runs):
        j, l, k = run(binary)
        joins.append(j)
        leaves.append(l)
        kills.append(k)
        print("run %d: join counted %.3fs after exec, clean leave %.3fs, kill -9 UNHEALTHY %.3fs "
              "(%.2f x heartbeat_timeout)" % (r + 1, j, l, k, k / TIMEOUT_S), flush=True)
    print("median: join %.3fs, leave %.3fs, kill %.3fs (%.2f x heartbeat_timeout %.0fs)"
          % (statistics.median(joins), statistics.median(leaves), statistics.median(kills),
             statistics.median(kills) / TIMEOUT_S, TIMEOUT_S))


if __name__ == "__main__":
    main()
