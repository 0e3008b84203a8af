#!/usr/bin/env bash
# bench/wal_cost_ab.sh — the WAL's cost (bench/wal_cost.sh) for two builds in
# the same run: round by round, connection count by connection count, the
# builds alternate (A, B, then B, A in the next round) and each runs every
# mode, so machine noise hits both alike. Prints wal_cost.sh's table per
# build (medians, on/off ratio, CPU µs per line).
#
# Usage: bench/wal_cost_ab.sh BUILD_A BUILD_B [out-dir]
#   (a "build" is any directory holding a skald binary)
#   env: CONNS="1 4 16" ROUNDS=3 DURATION=10 MODES="off none" RATE=2600000
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
a="$1"
b="$2"
out="${3:-$(mktemp -d -t skald-walcost-ab-XXXX)}"
mkdir -p "$out/A" "$out/B"
rounds="${ROUNDS:-3}"
for r in $(seq 1 "$rounds"); do
  order="A B"
  [[ $((r % 2)) -eq 0 ]] && order="B A"
  for c in ${CONNS:-1 4 16}; do
    for x in $order; do
      dir="$a"
      [[ "$x" == B ]] && dir="$b"
      echo "round $r/$rounds, $c connections, build $x ($dir)" >&2
      CONNS="$c" ROUNDS=1 "$here/bench/wal_cost.sh" "$dir" "$out/$x" >/dev/null
    done
  done
done
for x in A B; do
  dir="$a"
  [[ "$x" == B ]] && dir="$b"
  echo "build $x: $dir"
  # Only the summary: every round's lines are in out/X/<mode>.jsonl already.
  CONNS="" ROUNDS=0 "$here/bench/wal_cost.sh" "$dir" "$out/$x" 2>/dev/null
done
echo "raw results: $out" >&2
