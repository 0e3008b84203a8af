#!/usr/bin/env bash
# bench/wal_ready_ab.sh — seconds to /ready after kill -9, two builds on the
# SAME WAL, alternating: one WAL is written by loading `skald -target=all`
# (configs/skald-local.yaml, checkpoints off for the window) with
# ../shared/tools/loadgen for LOAD seconds and killing it with SIGKILL; then,
# ROUNDS times, a fresh copy of that data dir is started with build A, then
# with build B. Per start it prints the WAL size, wall seconds from exec to
# /ready, the CPU seconds skald used until then (user+system from
# /proc/PID/stat) and the replay log line; at the end the median of each.
#
# Usage: bench/wal_ready_ab.sh BUILD_A BUILD_B    env: LOAD=8 ROUNDS=3
#   EXTRA_ARGS="..." (more skald flags, every start)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
a="$1"
b="$2"
load="${LOAD:-8}"
rounds="${ROUNDS:-3}"
loadgen="${LOADGEN:-/tmp/skald-loadgen}"
if [[ ! -x "$loadgen" ]]; then
  gcc -O2 -pthread -o "$loadgen" "$here/../shared/tools/loadgen/loadgen.c" -lsnappy
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tick=$(getconf CLK_TCK)
work=$(mktemp -d -t skald-ready-ab-XXXX)
trap 'rm -rf "$work"' EXIT
args=(-config.file="$here/configs/skald-local.yaml" -server.http-listen-port="$port"
      -ingester.wal.checkpoint-duration=1h ${EXTRA_ARGS:-})

# 1. One WAL, written by build A.
"$a/skald" "${args[@]}" -common.path-prefix="$work/seed" >"$work/log0" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
"$loadgen" -q -c 4 -d "$load" -r 1300000 -p "$pid" -j /dev/null -R ready \
  "http://127.0.0.1:$port/loki/api/v1/push" >/dev/null || true
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
size=$(du -sm "$work/seed/wal" | cut -f1)
echo "WAL: ${size} MB ($(ls "$work/seed/wal" | wc -l) files)"

# 2. Alternating restarts on copies of it.
start() { # build label -> prints "wall cpu"
  local build="$1" label="$2" data="$work/run"
  rm -rf "$data"; cp -a "$work/seed" "$data"; sync
  local t0 t1 pid cpu
  t0=$(date +%s.%N)
  "$build/skald" "${args[@]}" -common.path-prefix="$data" >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 6000); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.01; done
  t1=$(date +%s.%N)
  cpu=$(awk -v t="$tick" '{print ($14 + $15) / t}' "/proc/$pid/stat")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  local wall; wall=$(echo "$t1 - $t0" | bc)
  echo "$label: /ready after $wall s, cpu $cpu s, $(echo "scale=0; $size / $wall" | bc) MB/s; $(grep 'WAL replay:' "$work/log" | tail -1 | sed 's/.*WAL replay: //')" >&2
  echo "$wall $cpu"
}
wa=(); ca=(); wb=(); cb=()
for _ in $(seq 1 "$rounds"); do
  read -r w c < <(start "$a" A); wa+=("$w"); ca+=("$c")
  read -r w c < <(start "$b" B); wb+=("$w"); cb+=("$c")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ma=$(median "${wa[@]}"); mb=$(median "${wb[@]}")
echo "A $a: median /ready $ma s ($(echo "scale=0; $size / $ma" | bc) MB/s), cpu $(median "${ca[@]}") s"
echo "B $b: median /ready $mb s ($(echo "scale=0; $size / $mb" | bc) MB/s), cpu $(median "${cb[@]}") s"
echo "B/A wall: $(echo "scale=3; $mb / $ma" | bc)"
