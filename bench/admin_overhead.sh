#!/usr/bin/env bash
# bench/admin_overhead.sh — what the admin console costs on push throughput
# (issue 9: <= 2% while nobody looks). Runs bench/e2e_push.sh alternately with
# a skald built WITHOUT the console (BEFORE_DIR/skald, e.g. main's build) and
# this tree's skald, and a third time with this tree's skald while a poller
# asks the admin API once a second the way the web page does ("watched"), so
# the three variants see the same machine noise. Prints the medians.
#
# Usage: bench/admin_overhead.sh BEFORE_DIR [AFTER_DIR] [out-prefix]
#   env: ROUNDS=3 CONNS=4 DURATION=15 (passed to e2e_push.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
before=${1:?usage: admin_overhead.sh BEFORE_DIR [AFTER_DIR] [out-prefix]}
after=${2:-$here/build}
prefix=${3:-$(mktemp -u -t skald-admin-bench-XXXX)}
rounds=${ROUNDS:-3}
export CONNS=${CONNS:-4} RUNS=1 DURATION=${DURATION:-15}

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PORT
poll() { # the page's requests, once a second
  while sleep 1; do
    for p in nodes "actors?sort=mailbox&limit=25" "streams?sort=rate&limit=10" wal flush ring; do
      curl -s -o /dev/null "http://127.0.0.1:$PORT/admin/api/$p" || true
    done
  done
}

for r in $(seq 1 "$rounds"); do
  "$here/bench/e2e_push.sh" "$before" "$prefix-before.jsonl" >/dev/null
  "$here/bench/e2e_push.sh" "$after" "$prefix-after.jsonl" >/dev/null
  poll & poller=$!
  "$here/bench/e2e_push.sh" "$after" "$prefix-watched.jsonl" >/dev/null
  kill "$poller"; wait "$poller" 2>/dev/null || true
done
python3 - "$prefix" <<'PY'
import json, statistics, sys
p = sys.argv[1]
print("| variant | runs | lines/s (median) | all runs | p99 ms | skald CPU % |")
print("|---|---|---|---|---|---|")
base = None
for v in ("before", "after", "watched"):
    rs = [json.loads(l) for l in open(f"{p}-{v}.jsonl") if l.strip()]
    lps = [r["lines_per_s"] for r in rs]
    m = statistics.median(lps)
    base = base or m
    print(f"| {v} | {len(rs)} | {m:,.0f} ({m / base - 1:+.1%}) | "
          f"{', '.join(f'{x/1e3:,.0f}k' for x in lps)} | "
          f"{statistics.median(r['lat_ms']['p99'] for r in rs):.1f} | "
          f"{statistics.median(r['server_cpu_pct'] for r in rs):.0f} |")
PY
echo "raw results: $prefix-{before,after,watched}.jsonl" >&2
