#!/usr/bin/env bash
# bench/tail_fanout.sh — cost of live tail fan-out on push: the same
# bench/e2e_push.sh load with 0 and with TAILERS WebSocket tails, alternating,
# RUNS pairs; prints the medians of lines/s and of skald's CPU time per pushed
# line (loadgen's server_cpu_pct, skald's process only), and the median ratio
# of each pair measured in the same session.
#
# The tail clients (build/bench/skald_tail_client) run on ONE thread and only
# count messages and bytes, so they take little CPU from skald on a small
# machine. "{i}" in TAIL_QUERY becomes the client's index, so each client can
# follow its own streams: loadgen's streams are {app="loadgen", env="prod",
# pod="p-<conn>-<stream>"} (4 conns x 10 streams by default).
#
# Usage: bench/tail_fanout.sh [build-dir]
#   env: TAILERS=10 CONNS=4 RUNS=3 DURATION=20
#        TAIL_QUERY='{app="loadgen", pod="p-0-{i}"}'   (each tail: one pod, 2.5% of lines)
#        TAIL_QUERY='{app="loadgen"} |= "queue=email" |= "attempt=5/5"'  (shared, ~0.7%)
#        TAIL_QUERY='{app="loadgen"}'                  (every line to every tail)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
out=$(mktemp -t skald-tail-fanout-XXXX.jsonl)
tailers="${TAILERS:-10}"
export TAIL_QUERY="${TAIL_QUERY:-{app=\"loadgen\", pod=\"p-0-{i\}\"\}}"
for r in $(seq 1 "${RUNS:-3}"); do
  for t in 0 "$tailers"; do
    TAILERS=$t RUNS=1 CONNS="${CONNS:-4}" "$here/bench/e2e_push.sh" "$build" "$out" >/dev/null
  done
done
python3 - "$out" "$TAIL_QUERY" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
base = [r for r in rows if r["run"].endswith("t0")]
tail = [r for r in rows if not r["run"].endswith("t0")]
lps = lambda r: r["lines_per_s"]
cpu = lambda r: r["server_cpu_pct"] * 1e4 / max(1.0, r["lines_per_s"])  # CPU us per line
thr = [lps(t) / lps(b) for b, t in zip(base, tail)]
cpr = [cpu(t) / cpu(b) for b, t in zip(base, tail)]
med = statistics.median
print(f"query: {sys.argv[2]}")
print("| tails | runs | lines/s without | lines/s with | throughput ratio | skald CPU us/line without | with | CPU ratio |")
print("|---|---|---|---|---|---|---|---|")
print(f"| {tail[-1]['run'].split('t')[-1]} | {len(thr)} | {med(map(lps, base)):,.0f} | {med(map(lps, tail)):,.0f} | "
      f"{med(thr):.3f} | {med(map(cpu, base)):.3f} | {med(map(cpu, tail)):.3f} | {med(cpr):.3f} |")
PY
echo "raw results: $out" >&2
