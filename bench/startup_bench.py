#!/usr/bin/env python3
"""bench/startup_bench.py — time from exec to /ready 200, and idle RSS.

Starts the skald binary N times with an empty data directory on a free
loopback port, polls GET /ready every 0.5 ms from the moment before exec, and
records the time until the first 200. After ready it waits IDLE_SECONDS and
reads VmRSS from /proc/<pid>/status. Prints each run and the medians.

usage: bench/startup_bench.py BUILD_DIR/skald [runs=7] [idle_seconds=2]
"""
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import free_port  # noqa: E402


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ready(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=0.2)
        c.request("GET", "/ready")
        r = c.getresponse()
        r.read()
        c.close()
        return r.status == 200
    except OSError:
        return False


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def one_run(binary, idle_seconds):
    port = free_port()
    data = tempfile.mkdtemp(prefix="skald-startup-")
    args = [binary, f"-config.file={REPO}/configs/skald-local.yaml",
            f"-server.http-listen-port={port}", f"-common.path-prefix={data}"]
    t0 = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not ready(port):
            if p.poll() is not None:
                raise RuntimeError(f"skald exited with {p.returncode}")
            if time.perf_counter() - t0 > 10:
                raise RuntimeError("not ready within 10 s")
            time.sleep(0.0005)
        ready_ms = (time.perf_counter() - t0) * 1000
        time.sleep(idle_seconds)
        rss = rss_kb(p.pid)
    finally:
        p.terminate()
        p.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)
    return ready_ms, rss


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    idle = float(sys.argv[3]) if len(sys.argv) > 3 else 2
    times, rsss = [], []
    for i in range(runs):
        ms, rss = one_run(binary, idle)
        times.append(ms)
        rsss.append(rss)
        print(f"run {i + 1}: ready after {ms:.1f} ms, idle RSS {rss / 1024:.1f} MB")
    print(f"median: ready after {statistics.median(times):.1f} ms, "
          f"idle RSS {statistics.median(rsss) / 1024:.1f} MB ({runs} runs)")


if __name__ == "__main__":
    main()
