#!/usr/bin/env bash
# bench/flush_throughput.sh — flush throughput of one skald node end to end:
# stream actors close and encode their chunks, the flush workers
# (ingester.concurrent_flushes, detached) write chunk objects (temp file +
# fsync + rename + dir fsync) and index batches (append + fdatasync).
# Per run: a fresh node with the WAL off and no background flushing, loadgen
# fills memory for FILL seconds, then `POST /flush` is timed (it answers
# after every op finished); chunks and bytes come from the node's metrics
# (loki_ingester_chunks_flushed_total, loki_ingester_chunk_size_bytes_sum).
# Prints one line per run and the medians.
#
# Usage: bench/flush_throughput.sh [build-dir]
#   env: RUNS=3 FILL=10 CONNS=4 FLUSHES="32 4" (concurrent_flushes values)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
runs="${RUNS:-3}"
fill="${FILL:-10}"
conns="${CONNS:-4}"
flushes="${FLUSHES:-32 4}"
loadgen="${LOADGEN:-/tmp/skald-loadgen}"
if [[ ! -x "$loadgen" ]]; then
  gcc -O2 -pthread -o "$loadgen" "$here/../shared/tools/loadgen/loadgen.c" -lsnappy
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1==m {s+=$2} END {printf "%.0f", s}'; }
for n in $flushes; do
  results=()
  for r in $(seq 1 "$runs"); do
    data=$(mktemp -d -t skald-flush-bench-XXXX)
    "$build/skald" -config.file="$here/configs/skald-local.yaml" -server.http-listen-port="$port" \
      -common.path-prefix="$data" -storage-config.filesystem.directory="$data/chunks" \
      -ingester.wal.enabled=false -ingester.flush-check-period=1h \
      -ingester.concurrent-flushes="$n" >"$data/skald.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
      sleep 0.1
    done
    "$loadgen" -q -c "$conns" -d "$fill" "http://127.0.0.1:$port/loki/api/v1/push" >/dev/null || true
    t0=$(date +%s.%N)
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/flush")
    t1=$(date +%s.%N)
    chunks=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^loki_ingester_chunks_flushed_total/ {s+=$2} END {printf "%.0f", s}')
    bytes=$(metric loki_ingester_chunk_size_bytes_sum)
    kill -TERM "$pid"; wait "$pid" || true
    disk=$(du -sm "$data/chunks" | cut -f1)
    rm -rf "$data"
    line=$(python3 -c "t=$t1-$t0; print(f'{t:.3f} {$chunks/t:.0f} {$bytes/t/1e6:.1f} $chunks {$bytes/1e6:.1f} $disk $code')")
    echo "concurrent_flushes=$n run=$r: seconds chunks/s MB/s chunks MB disk_MB status = $line"
    results+=("$line")
  done
  printf '%s\n' "${results[@]}" | python3 -c "
import sys, statistics
rows=[l.split() for l in sys.stdin if l.strip()]
med=lambda i: statistics.median(float(r[i]) for r in rows)
print(f'| $n | {len(rows)} | {med(3):.0f} | {med(4):.0f} | {med(0):.2f} | {med(1):,.0f} | {med(2):.1f} |')"
done
