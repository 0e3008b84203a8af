#!/usr/bin/env bash
# bench/tail_fanout.sh — cost of live tail fan-out on push throughput: the
# same bench/e2e_push.sh load with 0 and with TAILERS WebSocket tails on the
# pushed streams, alternating, RUNS pairs, and the median ratio of lines/s
# measured in the same session.
#
# Usage: bench/tail_fanout.sh [build-dir]
#   env: TAILERS=10 CONNS=4 RUNS=3 DURATION=20 TAIL_QUERY='{app="loadgen"}'
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
out=$(mktemp -t skald-tail-fanout-XXXX.jsonl)
tailers="${TAILERS:-10}"
for r in $(seq 1 "${RUNS:-3}"); do
  for t in 0 "$tailers"; do
    TAILERS=$t RUNS=1 CONNS="${CONNS:-4}" "$here/bench/e2e_push.sh" "$build" "$out" >/dev/null
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
base = [r["lines_per_s"] for r in rows if r["run"].endswith("t0")]
tail = [r["lines_per_s"] for r in rows if not r["run"].endswith("t0")]
ratios = [t / b for b, t in zip(base, tail)]
print("| tails | runs | lines/s without | lines/s with | ratio (median of pairs) | cost |")
print("|---|---|---|---|---|---|")
print(f"| {rows[-1]['run'].split('t')[-1]} | {len(ratios)} | {statistics.median(base):,.0f} | "
      f"{statistics.median(tail):,.0f} | {statistics.median(ratios):.3f} | "
      f"{(1 - statistics.median(ratios)) * 100:.1f}% |")
PY
echo "raw results: $out" >&2
