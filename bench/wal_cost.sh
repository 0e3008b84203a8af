#!/usr/bin/env bash
# bench/wal_cost.sh — the WAL's cost on push throughput (issue 4's goal: WAL
# on costs <= 10%): bench/e2e_push.sh run once per mode per round, the modes
# alternating round by round (so machine noise hits them alike), then the
# medians per mode and connection count, the ratio to WAL off, and the
# node's CPU time per acknowledged line.
#
# Usage: bench/wal_cost.sh [build-dir] [out-dir]
#   env: CONNS="1 4" ROUNDS=3 DURATION=15 RATE=2600000 (as e2e_push.sh)
#        MODES="off none batch" — any of:
#          off     -ingester.wal.enabled=false
#          none    the default (fsync: none, direct_io: true)
#          batch   -ingester.wal.fsync=batch
#          buffered  -ingester.wal.direct-io=false (fsync none, page cache)
#        EXTRA_ARGS (added to every mode's flags)
# Raw loadgen lines go to out-dir/<mode>.jsonl.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
out="${2:-$(mktemp -d -t skald-walcost-XXXX)}"
mkdir -p "$out"
conns="${CONNS:-1 4}"
rounds="${ROUNDS:-3}"
modes="${MODES:-off none batch}"
flags_of() {
  case "$1" in
  off) echo "-ingester.wal.enabled=false" ;;
  none) echo "" ;;
  batch) echo "-ingester.wal.fsync=batch" ;;
  buffered) echo "-ingester.wal.direct-io=false" ;;
  *) echo "unknown mode $1" >&2; exit 2 ;;
  esac
}
for r in $(seq 1 "$rounds"); do
  for c in $conns; do
    for m in $modes; do
      echo "round $r, $c connections, WAL $m" >&2
      EXTRA_ARGS="$(flags_of "$m") ${EXTRA_ARGS:-}" CONNS="$c" RUNS=1 \
        "$here/bench/e2e_push.sh" "$build" "$out/$m.jsonl" >/dev/null
    done
  done
done
python3 - "$out" $modes <<'PY'
import json, statistics, sys, os
out, modes = sys.argv[1], sys.argv[2:]
rows = {m: [json.loads(l) for l in open(os.path.join(out, m + ".jsonl")) if l.strip()] for m in modes}
def us_per_line(r):
    return r["server_cpu_pct"] / 100 * r["elapsed"] / max(1, r["acked_lines"]) * 1e6
print("| WAL | conns | runs | lines/s (median; runs) | vs off | p50 ms | p99 ms | skald CPU % | CPU µs/line | errors | bodies built while timed |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
conns = sorted({r["conns"] for m in modes for r in rows[m]})
for c in conns:
    base = None
    for m in modes:
        rs = [r for r in rows[m] if r["conns"] == c]
        if not rs:
            continue
        med = lambda f: statistics.median(f(r) for r in rs)
        lps = med(lambda r: r["lines_per_s"])
        if m == "off":
            base = lps
        ratio = f"{lps / base:.2f}" if base else "–"
        runs = ", ".join(f"{r['lines_per_s'] / 1000:.0f}k" for r in rs)
        print(f"| {m} | {c} | {len(rs)} | {lps:,.0f} ({runs}) | {ratio} | "
              f"{med(lambda r: r['lat_ms']['p50']):.2f} | {med(lambda r: r['lat_ms']['p99']):.2f} | "
              f"{med(lambda r: r['server_cpu_pct']):.0f} | {med(us_per_line):.2f} | "
              f"{sum(r['non2xx'] + r['sockerr'] for r in rs)} | {sum(r.get('onthefly', 0) for r in rs)} |")
if any(r.get("onthefly", 0) for m in modes for r in rows[m]):
    print("WARNING: loadgen built bodies during the timed phase (its pool ran out): those runs "
          "measure loadgen too; raise RATE", file=sys.stderr)
PY
echo "raw results: $out" >&2
