#!/usr/bin/env bash
# bench/e2e_push.sh — end-to-end push benchmark of one skald node (the write
# path issue's benchmark): `skald -target=all` with configs/skald-local.yaml,
# driven by ../shared/tools/loadgen at 1, 4 and 16 connections, RUNS runs of
# DURATION seconds each, a fresh skald (fresh data dir) per run so that peak
# RSS / lines held in memory is per run. Appends one JSON line per run to
# OUT (loadgen's format) and prints a markdown table of the medians.
#
# Usage: bench/e2e_push.sh [build-dir] [out.jsonl]
#   env: CONNS="1 4 16" RUNS=3 DURATION=20 RATE=2600000 (sizes loadgen's body pool:
#        an upper bound on lines/s; a run that outpaces it makes loadgen build
#        bodies during the timed phase, on the cores skald is measured on, and
#        the table flags it in the column "bodies built while timed")
#        EXTRA_ARGS="-ingester.wal.enabled=false" (more skald flags, e.g. the WAL's)
#        TAILERS=10 TAIL_QUERY='{app="loadgen"}' (live tail WebSocket clients held open
#        during each run, build/bench/skald_tail_client; their totals go to stderr)
#        PORT=3100 (default: a free port)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
out="${2:-$(mktemp -t skald-bench-XXXX.jsonl)}"
conns="${CONNS:-1 4 16}"
runs="${RUNS:-3}"
duration="${DURATION:-20}"
rate="${RATE:-2600000}"
loadgen="${LOADGEN:-/tmp/skald-loadgen}"
default_query='{app="loadgen"}'
tail_query="${TAIL_QUERY:-$default_query}"
if [[ ! -x "$loadgen" ]]; then
  gcc -O2 -pthread -o "$loadgen" "$here/../shared/tools/loadgen/loadgen.c" -lsnappy
fi
port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
for c in $conns; do
  for r in $(seq 1 "$runs"); do
    data=$(mktemp -d -t skald-bench-data-XXXX)
    "$build/skald" -config.file="$here/configs/skald-local.yaml" -server.http-listen-port="$port" \
      -common.path-prefix="$data" -storage-config.filesystem.directory="$data/chunks" \
      ${EXTRA_ARGS:-} >"$data/skald.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
      sleep 0.1
    done
    tail_pid=""
    if [[ "${TAILERS:-0}" -gt 0 ]]; then
      # Until SIGTERM after the load (loadgen first builds its body pool).
      "$build/bench/skald_tail_client" "$port" "$tail_query" "$TAILERS" 86400 >&2 &
      tail_pid=$!
      sleep 0.5 # the tails subscribe before the load starts
    fi
    "$loadgen" -q -c "$c" -d "$duration" -r "$rate" -p "$pid" -j "$out" -R "c${c}r${r}t${TAILERS:-0}" \
      "http://127.0.0.1:$port/loki/api/v1/push" >/dev/null || true
    if [[ -n "$tail_pid" ]]; then kill -TERM "$tail_pid" || true; wait "$tail_pid" || true; fi
    kill -TERM "$pid"; wait "$pid" || true
    rm -rf "$data"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["conns"], []).append(r)
print("| conns | runs | lines/s | MB/s (line bytes) | p50 ms | p99 ms | server CPU % | peak RSS MB | bytes of RSS per line held | errors | bodies built while timed |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for c in sorted(by):
    rs = by[c]
    med = lambda f: statistics.median(f(r) for r in rs)
    per_line = med(lambda r: r["server_rss_mb"]["hwm"] * 1048576 / max(1, r["acked_lines"]))
    print(f"| {c} | {len(rs)} | {med(lambda r: r['lines_per_s']):,.0f} | {med(lambda r: r['mb_per_s']):.1f} | "
          f"{med(lambda r: r['lat_ms']['p50']):.2f} | {med(lambda r: r['lat_ms']['p99']):.2f} | "
          f"{med(lambda r: r['server_cpu_pct']):.0f} | {med(lambda r: r['server_rss_mb']['hwm']):.0f} | "
          f"{per_line:.0f} | {sum(r['non2xx'] + r['sockerr'] for r in rs)} | {sum(r.get('onthefly', 0) for r in rs)} |")
if any(r.get("onthefly", 0) for r in rows):
    print("WARNING: loadgen built bodies during the timed phase (its pool ran out): those runs "
          "measure loadgen too; raise RATE", file=sys.stderr)
PY
echo "raw results: $out" >&2
