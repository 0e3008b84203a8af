#!/usr/bin/env bash
# bench/flush_push.sh — push throughput while the ingester flushes in the
# background (issue 5's goal: <= 10% drop). Variants alternate round by round
# in one run (machine noise hits them alike), a fresh node and data dir per
# run, configs/skald-local.yaml (WAL on, fsync none), loadgen -c CONNS -d
# DURATION. Per variant: median lines/s, the ratio to the first variant,
# skald's CPU µs per acknowledged line, and the chunks (and MB of chunk
# objects) the node flushed per second of load, from
# loki_ingester_chunks_flushed_total / loki_ingester_chunk_size_bytes_sum
# read just before and just after loadgen's timed phase.
#
# Usage: bench/flush_push.sh [build-dir] [out-dir]
#   env: ROUNDS=3 DURATION=15 CONNS=4 RATE=2600000 (sizes loadgen's body pool)
#        VARIANTS="without with" — any of:
#          without  -ingester.flush-check-period=1h (nothing flushes during a run)
#          with     -ingester.flush-check-period=1s -ingester.chunk-idle-period=2s
#                   (every chunk cut full is flushed within ~1 s: continuous flushing)
#          tmpfs    as "with", the chunk store on /dev/shm (not on the WAL's disk)
#        a variant may end in @DIR to run DIR/skald instead of build-dir/skald
#        (before/after comparisons in one run: VARIANTS="without with with@/tmp/old").
#        EXTRA_ARGS (added to every variant's flags), LOADGEN (binary path).
# Raw rows (loadgen's JSON plus flushed_chunks, flushed_mb) go to
# out-dir/<variant>.jsonl.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
out="${2:-$(mktemp -d -t skald-flushpush-XXXX)}"
mkdir -p "$out"
rounds="${ROUNDS:-3}"
duration="${DURATION:-15}"
conns="${CONNS:-4}"
rate="${RATE:-2600000}"
variants="${VARIANTS:-without with}"
loadgen="${LOADGEN:-/tmp/skald-loadgen}"
if [[ ! -x "$loadgen" ]]; then
  gcc -O2 -pthread -o "$loadgen" "$here/../shared/tools/loadgen/loadgen.c" -lsnappy
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
flags_of() { # variant data-dir
  case "$1" in
  without) echo "-ingester.flush-check-period=1h" ;;
  with) echo "-ingester.flush-check-period=1s -ingester.chunk-idle-period=2s" ;;
  tmpfs) echo "-ingester.flush-check-period=1s -ingester.chunk-idle-period=2s" \
    "-storage-config.filesystem.directory=$(mktemp -d -p /dev/shm skald-flushpush-store-XXXX)" ;;
  *) echo "unknown variant $1" >&2; exit 2 ;;
  esac
}
# Sum of every series of a metric family (e.g. all reasons).
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '{n=$1; sub(/[{].*/, "", n)} n==m {s+=$2} END {printf "%.0f", s}'; }
for r in $(seq 1 "$rounds"); do
  for v in $variants; do
    name="${v%%@*}"
    bin="$build/skald"
    [[ "$v" == *@* ]] && bin="${v#*@}/skald"
    data=$(mktemp -d -t skald-flushpush-XXXX)
    flags="$(flags_of "$name")"
    echo "round $r: $v ($flags)" >&2
    # The store flag of a variant (tmpfs) comes after the default one and wins.
    # shellcheck disable=SC2086
    "$bin" -config.file="$here/configs/skald-local.yaml" -server.http-listen-port="$port" \
      -common.path-prefix="$data" -storage-config.filesystem.directory="$data/chunks" \
      $flags ${EXTRA_ARGS:-} >"$data/skald.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
      sleep 0.1
    done
    c0=$(metric loki_ingester_chunks_flushed_total)
    b0=$(metric loki_ingester_chunk_size_bytes_sum)
    "$loadgen" -q -c "$conns" -d "$duration" -r "$rate" -p "$pid" -j "$data/run.json" -R "$v-r$r" \
      "http://127.0.0.1:$port/loki/api/v1/push" >/dev/null || true
    c1=$(metric loki_ingester_chunks_flushed_total)
    b1=$(metric loki_ingester_chunk_size_bytes_sum)
    kill -TERM "$pid"; wait "$pid" || true
    python3 - "$data/run.json" "$out/${v//\//_}.jsonl" "$((c1 - c0))" "$((b1 - b0))" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
with open(sys.argv[2], "a") as f:
    for row in rows:
        row["flushed_chunks"] = int(sys.argv[3])
        row["flushed_mb"] = int(sys.argv[4]) / 1e6
        f.write(json.dumps(row) + "\n")
        print(f"  {row['lines_per_s']:,.0f} lines/s, CPU {row['server_cpu_pct']:.0f}%, "
              f"flushed {row['flushed_chunks']} chunks ({row['flushed_mb']:.0f} MB)", file=sys.stderr)
PY
    for d in $flags; do [[ "$d" == -storage-config.filesystem.directory=/dev/shm/* ]] && rm -rf "${d#*=}"; done
    rm -rf "$data"
  done
done
python3 - "$out" $variants <<'PY'
import json, statistics, sys, os
out, variants = sys.argv[1], sys.argv[2:]
rows = {v: [json.loads(l) for l in open(os.path.join(out, v.replace("/", "_") + ".jsonl")) if l.strip()]
        for v in variants}
def us_per_line(r):
    return r["server_cpu_pct"] / 100 * r["elapsed"] / max(1, r["acked_lines"]) * 1e6
# Same-round pairs: the ratio of each round's run to the first variant's run
# of that round (run names end in -r<round>), then their median.
def by_round(v):
    return {r["run"].rsplit("-r", 1)[1]: r["lines_per_s"] for r in rows[v]}
first = by_round(variants[0])
print("| variant | runs | lines/s (median; runs) | vs first (medians) | vs first (median of same-round ratios) | CPU µs/line | skald CPU % | p99 ms | chunks flushed/s | MB flushed/s | peak RSS MB | errors |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
base = None
for v in variants:
    rs = rows[v]
    med = lambda f: statistics.median(f(r) for r in rs)
    lps = med(lambda r: r["lines_per_s"])
    base = base or lps
    runs = ", ".join(f"{r['lines_per_s'] / 1000:.0f}k" for r in rs)
    mine = by_round(v)
    pairs = [mine[k] / first[k] for k in mine if k in first]
    paired = f"{(statistics.median(pairs) - 1) * 100:+.1f}%" if pairs else "–"
    print(f"| {v} | {len(rs)} | {lps:,.0f} ({runs}) | {(lps / base - 1) * 100:+.1f}% | {paired} | {med(us_per_line):.2f} | "
          f"{med(lambda r: r['server_cpu_pct']):.0f} | {med(lambda r: r['lat_ms']['p99']):.1f} | "
          f"{med(lambda r: r['flushed_chunks'] / r['elapsed']):.1f} | {med(lambda r: r['flushed_mb'] / r['elapsed']):.1f} | "
          f"{med(lambda r: r['server_rss_mb']['hwm']):.0f} | {sum(r['non2xx'] + r['sockerr'] for r in rs)} |")
PY
echo "raw results: $out" >&2
