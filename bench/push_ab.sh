#!/usr/bin/env bash
# bench/push_ab.sh — A/B comparison of skald builds on the end-to-end push
# benchmark (issue 3: CPU per pushed line, peak RSS per line held). For each
# connection count and round it runs bench/e2e_push.sh once per build dir, in
# turn, so every build sees the same machine noise; then prints per build and
# connection count the medians of lines/s, server CPU µs per line
# (server_cpu_pct / 100 / lines_per_s), p50/p99 and peak RSS per acknowledged
# line (VmHWM / acked lines; with the default limits every acked line is still
# held in memory at the end of a run), and each build's CPU per line relative
# to the first build's.
#
# Usage: bench/push_ab.sh OUT_PREFIX BUILD_DIR [BUILD_DIR...]
#   env: CONNS="1 4 16" ROUNDS=3 DURATION=10
#        EXTRA_ARGS="-ingester.wal.enabled=false" (passed to every build)
#        ENV_<i>="K=V ..." extra environment for build i (1-based), e.g. malloc settings
#        ARGS_<i>="-flag=v ..." extra skald flags for build i (after EXTRA_ARGS); with
#        ENV_<i>/ARGS_<i> one build dir may be given twice to A/B settings
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
prefix=${1:?usage: push_ab.sh OUT_PREFIX BUILD_DIR [BUILD_DIR...]}
shift
(($# >= 1)) || { echo "usage: push_ab.sh OUT_PREFIX BUILD_DIR [BUILD_DIR...]" >&2; exit 2; }
builds=("$@")
rounds=${ROUNDS:-3}
export RUNS=1 DURATION=${DURATION:-10} EXTRA_ARGS=${EXTRA_ARGS:--ingester.wal.enabled=false}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PORT
for c in ${CONNS:-1 4 16}; do
  for r in $(seq 1 "$rounds"); do
    for i in "${!builds[@]}"; do
      var="ENV_$((i + 1))"
      avar="ARGS_$((i + 1))"
      # shellcheck disable=SC2086
      env ${!var:-} CONNS="$c" EXTRA_ARGS="$EXTRA_ARGS ${!avar:-}" "$here/bench/e2e_push.sh" "${builds[$i]}" "$prefix-$((i + 1)).jsonl" \
        >/dev/null
    done
  done
done
python3 - "$prefix" "${builds[@]}" <<'PY'
import json, statistics, sys
prefix, builds = sys.argv[1], sys.argv[2:]
med = statistics.median
rows = {}
for i, b in enumerate(builds, 1):
    for l in open(f"{prefix}-{i}.jsonl"):
        if l.strip():
            r = json.loads(l)
            rows.setdefault((r["conns"], i), []).append(r)
print("| build | conns | runs | lines/s (median; runs) | CPU µs/line | vs build 1 | server CPU % "
      "| p50 ms | p99 ms | RSS B/line held (median; runs) | bodies built while timed |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for c in sorted({k[0] for k in rows}):
    base = None
    for i, b in enumerate(builds, 1):
        rs = rows.get((c, i), [])
        if not rs:
            continue
        lps = [r["lines_per_s"] for r in rs]
        us = med(r["server_cpu_pct"] / 100 / max(1, r["lines_per_s"]) * 1e6 for r in rs)
        base = base or us
        bpl = [r["server_rss_mb"]["hwm"] * 1048576 / max(1, r["acked_lines"]) for r in rs]
        print(f"| {i}: {b} | {c} | {len(rs)} | {med(lps):,.0f} ({', '.join(f'{x/1e3:,.0f}k' for x in lps)}) "
              f"| {us:.3f} | {us / base:.2f} | {med(r['server_cpu_pct'] for r in rs):.0f} "
              f"| {med(r['lat_ms']['p50'] for r in rs):.2f} | {med(r['lat_ms']['p99'] for r in rs):.2f} "
              f"| {med(bpl):.0f} ({', '.join(f'{x:.0f}' for x in bpl)}) "
              f"| {sum(r.get('onthefly', 0) for r in rs)} |")
if any(r.get("onthefly", 0) for rs in rows.values() for r in rs):
    print("WARNING: loadgen built bodies during the timed phase (its pool ran out): those runs "
          "measure loadgen too; raise RATE", file=sys.stderr)
PY
echo "raw results: $prefix-<i>.jsonl" >&2
