#!/usr/bin/env bash
# bench/tail_cost_ir.sh — what TAILERS live tails of one query add to the
# instructions skald executes per pushed line, for two builds (issue 7's tail
# fan-out goal), counted by callgrind instead of timed: on the shared 2-core
# VM the timed ratio (bench/tail_fanout.sh) moves by +-20 % between identical
# runs, instruction counts barely do. The method is bench/admin_cost_ir.sh's
# (read its header): skald under `valgrind --tool=callgrind --instr-atstart=no`,
# an idle window, then `loadgen -x` pushing byte-identical bodies (wall clock
# pinned by bench/fixed_realtime.c), instructions = push window - idle rate x
# push length, every thread of the process. Each build runs without tails and
# with TAILERS bench/skald_tail_client connections of TAIL_QUERY (opened
# before the idle window, so their handshakes and history are not counted).
# Not counted: the kernel (socket writes, the readers' wake-ups), which
# bench/tail_fanout.sh's CPU time includes. Under valgrind skald runs ~50x
# slower while the tail's 20 ms poll is wall clock, so each poll finds more
# batches than natively: per-poll and per-frame costs are understated,
# per-batch and per-entry costs are not.
#
# Usage: bench/tail_cost_ir.sh BASE_DIR NEW_DIR
#   env: ROUNDS=1 CONNS=2 BODIES=100 IDLE=5 TAILERS=10 KEEP=1 (keep the callgrind files)
#        ONLY="base|new" (one build, e.g. to keep its profile)
#        TAIL_QUERY='{app="loadgen"} |= "queue=email" |= "attempt=5/5"'
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
base="$1"
new="$2"
rounds=${ROUNDS:-1}
conns=${CONNS:-2}
bodies=${BODIES:-100}
idle=${IDLE:-5}
tailers=${TAILERS:-10}
query=${TAIL_QUERY:-'{app="loadgen"} |= "queue=email" |= "attempt=5/5"'}
loadgen="${LOADGEN:-/tmp/skald-loadgen}"
lines=$((conns * bodies * 1000))
if [[ ! -x "$loadgen" ]]; then
  gcc -O2 -pthread -o "$loadgen" "$here/../shared/tools/loadgen/loadgen.c" -lsnappy
fi
command -v valgrind >/dev/null || { echo "valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
gcc -O2 -shared -fPIC -o "${loadgen}-fixed-realtime.so" "$here/bench/fixed_realtime.c" -ldl
fixed_ns=$((($(date +%s) - 600) * 1000000000))
out=$(mktemp -t skald-tail-ir-XXXX.tsv)
ir_of() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }

run_one() { # $1 = build name, $2 = build dir, $3 = tails, $4 = round
  local data port pid tp t0 t1 dumps
  data=$(mktemp -d -t skald-tail-ir-XXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$data/cg.out" \
    "$2/skald" -config.file="$here/configs/skald-local.yaml" -server.http-listen-port="$port" \
    -common.path-prefix="$data" -storage-config.filesystem.directory="$data/chunks" \
    -ingester-client.remote-timeout=120s >"$data/skald.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
    sleep 0.2
  done
  tp=""
  if [[ "$3" -gt 0 ]]; then
    "$new/bench/skald_tail_client" "$port" "$query" "$3" 86400 >"$data/tails.json" 2>&1 &
    tp=$!
    sleep 3 # handshakes and (empty) histories, under valgrind
  fi
  callgrind_control --instr=on "$pid" >/dev/null 2>&1
  sleep "$idle"
  callgrind_control --dump=idle "$pid" >/dev/null 2>&1
  t0=$(date +%s.%N)
  LD_PRELOAD="${loadgen}-fixed-realtime.so" FIXED_REALTIME_NS=$fixed_ns \
    "$loadgen" -q -x -d 100000 -T 300 -c "$conns" -n "$bodies" -S 7 -R tailcost \
    "http://127.0.0.1:$port/loki/api/v1/push" >"$data/loadgen.txt" 2>&1 || true
  sleep 1 # the tails' last polls and flushes
  t1=$(date +%s.%N)
  callgrind_control --dump=push "$pid" >/dev/null 2>&1
  callgrind_control --instr=off "$pid" >/dev/null 2>&1
  if [[ -n "$tp" ]]; then kill -TERM "$tp" || true; wait "$tp" || true; fi
  kill -TERM "$pid"
  wait "$pid" || true
  mapfile -t dumps < <(ls -1 "$data"/cg.out.* 2>/dev/null | sort -t. -k3 -n)
  grep -q "$lines lines" "$data/loadgen.txt" || { cat "$data/loadgen.txt" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$3" "$4" "$(ir_of "${dumps[0]}")" "$idle" \
    "$(ir_of "${dumps[1]}")" "$(echo "$t1 - $t0" | bc)" "$( [[ -f "$data/tails.json" ]] && tr -d '\n' <"$data/tails.json")" |
    tee -a "$out" >&2
  [[ -n "${KEEP:-}" ]] && echo "kept: $data" >&2 || rm -rf "$data"
}

for r in $(seq 1 "$rounds"); do
  for t in 0 "$tailers"; do
    if [[ "${ONLY:-}" != new ]]; then run_one base "$base" "$t" "$r"; fi
    if [[ "${ONLY:-}" != base ]]; then run_one new "$new" "$t" "$r"; fi
  done
done

python3 - "$out" "$lines" <<'PY'
import statistics, sys, collections
lines = int(sys.argv[2])
per = collections.defaultdict(list)
for l in open(sys.argv[1]):
    b, t, r, idle_ir, idle_s, push_ir, push_s = l.rstrip("\n").split("\t")[:7]
    per[(b, int(t))].append((int(push_ir) - int(idle_ir) / float(idle_s) * float(push_s)) / lines)
med = {k: statistics.median(v) for k, v in per.items()}
print("| build | tails | instructions per pushed line (median) | runs | with / without tails |")
print("|---|---|---:|---|---:|")
for b in sorted({b for b, _ in med}):
    for (bb, t), v in sorted(med.items()):
        if bb == b:
            print(f"| {b} | {t} | {v:,.0f} | {', '.join(f'{x:,.0f}' for x in per[(bb, t)])} | "
                  f"{v / med[(b, 0)]:.4f} |")
PY
echo "raw: $out" >&2
