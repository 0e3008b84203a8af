#!/usr/bin/env bash
# bench/wal_ready.sh — seconds from restart to /ready after kill -9 with a
# large WAL: `skald -target=all` (configs/skald-local.yaml, checkpoints off
# for the window: checkpoint_duration 1h) is loaded by ../shared/tools/loadgen
# with 4 connections for LOAD seconds, killed with SIGKILL, and restarted on
# the same data dir; prints the WAL size, the time to /ready and the replay
# log line.
#
# Usage: bench/wal_ready.sh [build-dir]     env: LOADS="10 20"
#   EXTRA_ARGS="-ingester.wal.direct-io=false" (more skald flags, both starts)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
loadgen="${LOADGEN:-/tmp/skald-loadgen}"
if [[ ! -x "$loadgen" ]]; then
  gcc -O2 -pthread -o "$loadgen" "$here/../shared/tools/loadgen/loadgen.c" -lsnappy
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for load in ${LOADS:-10 20}; do
  data=$(mktemp -d -t skald-ready-XXXX)
  args=(-config.file="$here/configs/skald-local.yaml" -server.http-listen-port="$port"
        -common.path-prefix="$data" -ingester.wal.checkpoint-duration=1h ${EXTRA_ARGS:-})
  "$build/skald" "${args[@]}" >"$data/log1" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
  "$loadgen" -q -c 4 -d "$load" -r 1300000 -p "$pid" -j /dev/null -R ready \
    "http://127.0.0.1:$port/loki/api/v1/push" >/dev/null || true
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  size=$(du -sm "$data/wal" | cut -f1)
  t0=$(date +%s.%N)
  "$build/skald" "${args[@]}" >"$data/log2" 2>&1 &
  pid=$!
  for _ in $(seq 1 3000); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.02; done
  t1=$(date +%s.%N)
  echo "load ${load}s: WAL ${size} MB, /ready after $(echo "$t1 - $t0" | bc) s; $(grep -E 'WAL replay: ([0-9]+ streams|block records)' "$data/log2" | tr '\n' ' ')"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
done
