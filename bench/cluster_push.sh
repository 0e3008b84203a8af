#!/usr/bin/env bash
# bench/cluster_push.sh — push throughput of the five-process loopback
# cluster (3 ingesters, distributor, querier; docs/cluster.md) with RF 1 and
# RF 3, and of one `-target=all` node in the same run for the ratio.
# ../shared/tools/loadgen drives the distributor (or the single node) with
# CONNS connections for DURATION seconds, RUNS times per setup, fresh data
# dirs each run. Appends loadgen's JSON lines to OUT and prints medians.
#
# Usage: bench/cluster_push.sh [build-dir] [out.jsonl]
#   env: CONNS=4 RUNS=3 DURATION=15 RATE=2600000
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
out="${2:-$(mktemp -t skald-cluster-bench-XXXX.jsonl)}"
conns="${CONNS:-4}"
runs="${RUNS:-3}"
duration="${DURATION:-15}"
rate="${RATE:-2600000}"
loadgen="${LOADGEN:-/tmp/skald-loadgen}"
if [[ ! -x "$loadgen" ]]; then
  gcc -O2 -pthread -o "$loadgen" "$here/../shared/tools/loadgen/loadgen.c" -lsnappy
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/ready" >/dev/null && return 0; sleep 0.1; done; return 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
trap cleanup EXIT

run_cluster() { # rf label
  local rf=$1 label=$2 data; data=$(mktemp -d -t skald-cluster-bench-XXXX)
  local names=(ingester-1 ingester-2 ingester-3 distributor querier)
  local targets=(ingester ingester ingester distributor querier)
  declare -A http grpc gossip
  for n in "${names[@]}"; do http[$n]=$(free_port); grpc[$n]=$(free_port); gossip[$n]=$(free_port); done
  for i in "${!names[@]}"; do
    local n=${names[$i]}
    {
      echo "target: ${targets[$i]}"; echo "auth_enabled: false"
      echo "server: {http_listen_address: 127.0.0.1, http_listen_port: ${http[$n]}, grpc_listen_port: ${grpc[$n]}, log_level: warn}"
      echo "common: {path_prefix: $data/$n, replication_factor: $rf, instance_addr: 127.0.0.1}"
      echo "ingester: {wal: {enabled: true}, lifecycler: {id: $n, min_ready_duration: 0s}}"
      echo "limits_config: {ingestion_rate_mb: 1024, ingestion_burst_size_mb: 2048, per_stream_rate_limit: 512MB, per_stream_rate_limit_burst: 1GB, max_global_streams_per_user: 0, reject_old_samples: false}"
      echo "memberlist:"
      echo "  node_name: $n"
      echo "  randomize_node_name: false"
      echo "  bind_addr: [127.0.0.1]"
      echo "  bind_port: ${gossip[$n]}"
      echo "  advertise_addr: 127.0.0.1"
      echo "  advertise_port: ${gossip[$n]}"
      echo "  gossip_interval: 100ms"
      echo "  join_members:"
      for m in "${names[@]}"; do echo "    - 127.0.0.1:${gossip[$m]}"; done
    } >"$data/$n.yaml"
    "$build/skald" -config.file="$data/$n.yaml" >"$data/$n.log" 2>&1 &
    pids+=($!)
  done
  for n in "${names[@]}"; do wait_ready "${http[$n]}"; done
  # The ring is seen once a push is accepted.
  for _ in $(seq 1 100); do
    st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
      "http://127.0.0.1:${http[distributor]}/loki/api/v1/push" \
      -d '{"streams":[{"stream":{"w":"1"},"values":[["'"$(date +%s%N)"'","w"]]}]}')
    [[ "$st" == 204 ]] && break; sleep 0.1
  done
  "$loadgen" -q -c "$conns" -d "$duration" -r "$rate" -p "${pids[3]}" -j "$out" -R "$label" \
    "http://127.0.0.1:${http[distributor]}/loki/api/v1/push" >/dev/null || true
  cleanup; rm -rf "$data"
}

run_single() { # label
  local data port; data=$(mktemp -d -t skald-cluster-bench-XXXX); port=$(free_port)
  "$build/skald" -config.file="$here/configs/skald-local.yaml" -server.http-listen-port="$port" \
    -common.path-prefix="$data" -log.level=warn >"$data/skald.log" 2>&1 &
  pids+=($!)
  wait_ready "$port"
  "$loadgen" -q -c "$conns" -d "$duration" -r "$rate" -p "${pids[0]}" -j "$out" -R "$1" \
    "http://127.0.0.1:$port/loki/api/v1/push" >/dev/null || true
  cleanup; rm -rf "$data"
}

for r in $(seq 1 "$runs"); do
  run_single "single"
  run_cluster 1 "rf1"
  run_cluster 3 "rf3"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["run"], []).append(r)
single = statistics.median(r["lines_per_s"] for r in by.get("single", [])) if "single" in by else None
print("| setup | runs | lines/s | ratio to single node | p50 ms | p99 ms | errors |")
print("|---|---|---|---|---|---|---|")
for k in ("single", "rf1", "rf3"):
    rs = by.get(k, [])
    if not rs: continue
    med = lambda f: statistics.median(f(r) for r in rs)
    lps = med(lambda r: r["lines_per_s"])
    print(f"| {k} | {len(rs)} | {lps:,.0f} | {lps / single:.2f} | {med(lambda r: r['lat_ms']['p50']):.2f} | "
          f"{med(lambda r: r['lat_ms']['p99']):.2f} | {sum(r['non2xx'] + r['sockerr'] for r in rs)} |")
PY
echo "raw results: $out" >&2
