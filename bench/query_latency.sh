#!/bin/sh
# bench/query_latency.sh — end-to-end query latency over lines pushed with
# ../shared/tools/loadgen into memory and, optionally, lines written to the
# store first (docs/benchmarks.md, "Query path" and "Query path: store").
# Usage: bench/query_latency.sh BUILD_DIR LOADGEN BODIES_PER_CONN [RUNS] [STORE_LINES]
#   in memory: 1 conn x BODIES x 10 streams x 1000 lines (loadgen, run="x")
#   in store:  STORE_LINES over 10 streams, 50..10 min ago, run="x"
#              (build/bench/skald_store_fill, written before the node starts)
# Times (curl time_total, RUNS each, p50/p99/min/max), and the node's CPU time
# (utime+stime from /proc, 10 ms ticks) per query, which a loaded VM distorts less:
#   instant  sum(count_over_time({run="x"}[1h]))
#   logs     query_range {run="x"} over the last hour, limit 5000, backward
#   metric   query_range sum(count_over_time({run="x"}[150s])) over the last
#            hour, step 150s (25 points)
set -eu
build=$1; loadgen=$2; bodies=$3; runs=${4:-21}; store_lines=${5:-0}
port=38123
dir=$(mktemp -d)
now=$(date +%s)
if [ "$store_lines" -gt 0 ]; then
  "$build/bench/skald_store_fill" "$dir/chunks" fake x 10 "$store_lines" $((now - 3000)) $((now - 600))
fi
"$build/skald" -config.file="$(dirname "$0")/../configs/skald-local.yaml" \
  -server.http-listen-port=$port -common.path-prefix="$dir" \
  -storage-config.filesystem.directory="$dir/chunks" >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid; rm -rf "$dir"' EXIT
for i in $(seq 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
"$loadgen" -q -x -c 1 -n "$bodies" -s 10 -l 1000 -R x -d 1200 "http://127.0.0.1:$port/loki/api/v1/push"
grep -E '^(VmRSS|VmHWM)' "/proc/$pid/status" | tr '\n' ' '; echo
stats() {
  sort -n | awk -v name="$1" '{a[NR]=$1} END {
    p99 = int(NR * 0.99 + 0.5); if (p99 < 1) p99 = 1; if (p99 > NR) p99 = NR
    printf "%-8s runs=%d p50=%.1f ms p99=%.1f ms min=%.1f ms max=%.1f ms\n", name, NR,
      a[int((NR+1)/2)]*1000, a[p99]*1000, a[1]*1000, a[NR]*1000}'
}
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; } # skald's utime+stime, ticks
timed() { # name, then curl arguments; wall time, then the node's CPU time per query
  name=$1; shift
  : >"$dir/cpu"
  for i in $(seq "$runs"); do
    a=$(cpu)
    curl -s -o "$dir/out" -w '%{time_total}\n' -G "http://127.0.0.1:$port$@"
    b=$(cpu)
    echo "$(( (b - a) * 1000 / $(getconf CLK_TCK) ))" >>"$dir/cpu"
  done | stats "$name"
  awk '{print $1 / 1000}' "$dir/cpu" | stats "  cpu"
}
end=$(date +%s)
timed instant /loki/api/v1/query --data-urlencode 'query=sum(count_over_time({run="x"}[1h]))'
echo "result: $(head -c 200 "$dir/out")"
timed logs /loki/api/v1/query_range --data-urlencode 'query={run="x"}' \
  --data-urlencode "start=$((end - 3600))" --data-urlencode "end=$end" \
  --data-urlencode limit=5000 --data-urlencode direction=backward
echo "entries: $(grep -o '"totalEntriesReturned":[0-9]*' "$dir/out" | head -1)"
timed metric /loki/api/v1/query_range \
  --data-urlencode 'query=sum(count_over_time({run="x"}[150s]))' \
  --data-urlencode "start=$((end - 3600))" --data-urlencode "end=$end" --data-urlencode step=150
echo "points: $(grep -o '\[[0-9.]*,"[0-9]*"\]' "$dir/out" | wc -l)"
