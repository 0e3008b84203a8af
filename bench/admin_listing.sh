#!/usr/bin/env bash
# bench/admin_listing.sh — what one admin listing costs on a node holding many
# stream actors (issue 9: "100k stream actors must not be dumped at once",
# and the page refreshes every second). Starts `skald -target=all` (WAL off,
# no stream limit), creates N streams of one line each (JSON pushes of 1000
# streams), then times GET /admin/api/actors for: the first listing sorted by
# mailbox (cold: every actor sampled), the same again (warm sample), sort=rate,
# sort=name, sort=id at offset 0 and at the last page, REPEAT times each.
# Prints one line per case: min / median / max ms and the HTTP status.
#
# Usage: bench/admin_listing.sh [build-dir]
#   env: STREAMS=100000 REPEAT=5 PORT=(free port) PERF=1 (record the node with
#        `perf record -g` into $OUT_DIR/perf.data while the listings run)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
streams=${STREAMS:-100000}
repeat=${REPEAT:-5}
port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
dir=$(mktemp -d -t skald-admin-listing-XXXX)
out_dir=${OUT_DIR:-$dir}
"$build/skald" -config.file="$here/configs/skald-local.yaml" -server.http-listen-port="$port" \
  -server.grpc-listen-port=0 -common.path-prefix="$dir" -ingester.wal.enabled=false \
  -limits-config.max-global-streams-per-user=0 -limits-config.ingestion-rate-mb=1024 \
  -limits-config.ingestion-burst-size-mb=2048 >"$dir/skald.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
python3 - "$port" "$streams" <<'PY'
import json, sys, time, http.client
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
now = time.time_ns()
for base in range(0, n, 1000):
    body = {"streams": [{"stream": {"app": "a%d" % i, "job": "listing"},
                         "values": [[str(now), "line %d" % i]]} for i in range(base, min(n, base + 1000))]}
    for attempt in range(5):
        c.request("POST", "/loki/api/v1/push", json.dumps(body), {"Content-Type": "application/json"})
        r = c.getresponse(); text = r.read()
        if r.status == 204:
            break
        print("push: %d %s (retrying)" % (r.status, text[:200]), file=sys.stderr)
        time.sleep(1)
    else:
        sys.exit("push failed")
PY
if [[ "${PERF:-0}" == 1 ]]; then
  perf record -g -p $pid -o "$out_dir/perf.data" >/dev/null 2>&1 &
  perf_pid=$!
fi
python3 - "$port" "$streams" "$repeat" <<'PY'
import sys, time, statistics, http.client
port, n, repeat = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
def get(path):
    t = time.perf_counter(); c.request("GET", path); r = c.getresponse(); r.read()
    return (time.perf_counter() - t) * 1000, r.status
def case(name, path, k=repeat):
    ts = [get(path) for _ in range(k)]
    ms = [t for t, _ in ts]
    print("%-34s %8.1f %8.1f %8.1f  status %s" % (name, min(ms), statistics.median(ms), max(ms),
          ",".join(sorted({str(s) for _, s in ts}))))
print("%-34s %8s %8s %8s" % ("case (%d streams)" % n, "min ms", "median", "max"))
case("sort=mailbox, first (cold sample)", "/admin/api/actors?kind=stream&sort=mailbox&limit=50", 1)
case("sort=mailbox (warm)", "/admin/api/actors?kind=stream&sort=mailbox&limit=50")
time.sleep(1.1)
case("sort=rate after 1.1 s", "/admin/api/actors?kind=stream&sort=rate&limit=50", 1)
case("sort=name", "/admin/api/actors?kind=stream&sort=name&limit=50")
case("sort=id offset 0", "/admin/api/actors?kind=stream&limit=50")
case("sort=id last page", "/admin/api/actors?kind=stream&limit=50&offset=%d" % (n - 50))
case("sort=name last page", "/admin/api/actors?kind=stream&sort=name&limit=50&offset=%d" % (n - 50))
PY
if [[ "${PERF:-0}" == 1 ]]; then kill -INT $perf_pid; wait $perf_pid 2>/dev/null || true; echo "perf data: $out_dir/perf.data"; fi
