#!/bin/sh
# bench/query_latency.sh — end-to-end latency of one instant metric query over
# lines pushed with ../shared/tools/loadgen (docs/benchmarks.md, "Query path").
# Usage: bench/query_latency.sh BUILD_DIR LOADGEN BODIES_PER_CONN [RUNS]
#   lines = 1 conn x BODIES x 10 streams x 1000 lines
set -eu
build=$1; loadgen=$2; bodies=$3; runs=${4:-21}
port=38123
dir=$(mktemp -d)
"$build/skald" -config.file="$(dirname "$0")/../configs/skald-local.yaml" \
  -server.http-listen-port=$port -common.path-prefix="$dir" >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid; rm -rf "$dir"' EXIT
for i in $(seq 50); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
"$loadgen" -q -x -c 1 -n "$bodies" -s 10 -l 1000 -R x -d 600 "http://127.0.0.1:$port/loki/api/v1/push"
q='sum(count_over_time({run="x"}[1h]))'
for i in $(seq "$runs"); do
  curl -s -o "$dir/out" -w '%{time_total}\n' -G "http://127.0.0.1:$port/loki/api/v1/query" \
    --data-urlencode "query=$q"
done | sort -n | awk '{a[NR]=$1} END {printf "runs=%d p50=%.1f ms min=%.1f ms max=%.1f ms\n", NR, a[int((NR+1)/2)]*1000, a[1]*1000, a[NR]*1000}'
echo "result: $(head -c 200 "$dir/out")"
