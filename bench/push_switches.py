#!/usr/bin/env python3
# bench/push_switches.py — context switches per push of one skald node under
# loadgen (issue 3/4: wake-ups per push). Starts skald (configs/skald-local.yaml,
# fresh data dir, EXTRA_ARGS), runs ../shared/tools/loadgen, and over a window
# inside its timed phase reads every skald thread's voluntary and involuntary
# context switches (/proc/PID/task/*/status) and the push count
# (loki_request_duration_seconds_count of the push route, /metrics); prints
# switches per push in total and per thread kind (comm), and the CPU per push.
#
# Usage: bench/push_switches.py BUILD_DIR [BUILD_DIR...]
#   env: CONNS=4 ROUNDS=3 WINDOW=6 EXTRA_ARGS="-ingester.wal.enabled=false"
#        ARGS_<i>="-flag=v" extra flags for build i (1-based)
# Builds alternate per round; medians per build are printed as one markdown row each.
import os, re, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
loadgen = os.environ.get("LOADGEN", "/tmp/skald-loadgen")
if not os.access(loadgen, os.X_OK):
    subprocess.check_call(["gcc", "-O2", "-pthread", "-o", loadgen,
                           os.path.join(here, "../shared/tools/loadgen/loadgen.c"), "-lsnappy"])
conns = int(os.environ.get("CONNS", "4"))
rounds = int(os.environ.get("ROUNDS", "3"))
window = float(os.environ.get("WINDOW", "6"))
extra = os.environ.get("EXTRA_ARGS", "-ingester.wal.enabled=false").split()
tick = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def pushes(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    n = 0
    for line in text.splitlines():
        if line.startswith("loki_request_duration_seconds_count") and "push" in line:
            n += float(line.rsplit(" ", 1)[1])
    return n


def sample(pid):
    per = {}
    cpu = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            st = open(f"/proc/{pid}/task/{tid}/status").read()
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        comm = re.sub(r"[0-9.\-_]+$", "", st.split("\n", 1)[0].split("\t", 1)[1]) or "?"
        v = int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", st, re.M).group(1))
        nv = int(re.search(r"^nonvoluntary_ctxt_switches:\s+(\d+)", st, re.M).group(1))
        f = stat.rsplit(")", 1)[1].split()
        cpu += int(f[11]) + int(f[12])
        a = per.setdefault(comm, [0, 0])
        a[0] += v
        a[1] += nv
    return per, cpu


def run(build, args):
    port = free_port()
    data = tempfile.mkdtemp(prefix="skald-sw-")
    srv = subprocess.Popen([f"{build}/skald", f"-config.file={here}/configs/skald-local.yaml",
                            f"-server.http-listen-port={port}", f"-common.path-prefix={data}",
                            f"-storage-config.filesystem.directory={data}/chunks"] + extra + args,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        dur = int(window + 6)
        lg = subprocess.Popen([loadgen, "-q", "-c", str(conns), "-d", str(dur), "-r", "1300000",
                               f"http://127.0.0.1:{port}/loki/api/v1/push"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Wait for the timed phase (pushes arriving), then one second more.
        while pushes(port) < 50:
            time.sleep(0.2)
        time.sleep(1)
        p0, (s0, c0) = pushes(port), sample(srv.pid)
        time.sleep(window)
        p1, (s1, c1) = pushes(port), sample(srv.pid)
        lg.wait()
        n = max(1.0, p1 - p0)
        kinds = {}
        for k in s1:
            b = s0.get(k, [0, 0])
            kinds[k] = ((s1[k][0] - b[0]) / n, (s1[k][1] - b[1]) / n)
        return {"pushes_per_s": n / window, "cpu_us_per_push": (c1 - c0) / tick * 1e6 / n,
                "vol": sum(v for v, _ in kinds.values()), "invol": sum(i for _, i in kinds.values()),
                "kinds": kinds}
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait()
        subprocess.call(["rm", "-rf", data])


builds = sys.argv[1:]
if not builds:
    sys.exit("usage: push_switches.py BUILD_DIR [BUILD_DIR...]")
res = {i: [] for i in range(len(builds))}
for r in range(rounds):
    for i, b in enumerate(builds):
        res[i].append(run(b, os.environ.get(f"ARGS_{i + 1}", "").split()))
med = statistics.median
print(f"conns {conns}, window {window:.0f} s, {rounds} rounds, args {' '.join(extra)}")
print("| build | pushes/s | CPU µs/push | voluntary switches/push | involuntary/push | by thread (vol+invol) |")
print("|---|---|---|---|---|---|")
for i, b in enumerate(builds):
    rs = res[i]
    kinds = sorted({k for x in rs for k in x["kinds"]})
    by = ", ".join(f"{k} {med(sum(x['kinds'].get(k, (0, 0))) for x in rs):.2f}" for k in kinds
                   if med(sum(x['kinds'].get(k, (0, 0))) for x in rs) >= 0.01)
    print(f"| {i + 1}: {b} | {med(x['pushes_per_s'] for x in rs):,.0f} | "
          f"{med(x['cpu_us_per_push'] for x in rs):.0f} | {med(x['vol'] for x in rs):.2f} | "
          f"{med(x['invol'] for x in rs):.2f} | {by} |")
