#!/usr/bin/env bash
# bench/push_threads.sh — one loadgen push run against a fresh skald, and the
# CPU of each of skald's threads over 8 s of the timed phase (per-thread
# /proc/<pid>/task/*/stat deltas): where the CPU per line goes, by thread
# (CAF workers, HTTP threads, detached actors such as the WAL drainer).
# Prints the top threads, the total (% of one core, ns per line, lines/s, p50)
# and, with the WAL staging ring on, the ring actor's admin counters
# (inline appends, appends queued at the front, waits for room).
#
# Usage: bench/push_threads.sh BUILD_DIR CONNS [skald flags...]
#   env: RATE (loadgen -r, default 2600000: size the pool, docs/benchmarks.md),
#        LOADGEN (default /tmp/skald-loadgen, built from ../shared/tools/loadgen)
set -uo pipefail
B=${1:?usage: push_threads.sh BUILD_DIR CONNS [flags]}; C=${2:?CONNS}; shift 2
here="$(cd "$(dirname "$0")/.." && pwd)"
loadgen="${LOADGEN:-/tmp/skald-loadgen}"
[[ -x "$loadgen" ]] || gcc -O2 -pthread -o "$loadgen" "$here/../shared/tools/loadgen/loadgen.c" -lsnappy
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
data=$(mktemp -d -t skald-threads-XXXX)
"$B/skald" -config.file=$here/configs/skald-local.yaml -server.http-listen-port=$port -common.path-prefix=$data -storage-config.filesystem.directory=$data/chunks "$@" > $data/log 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf 127.0.0.1:$port/ready >/dev/null && break; sleep 0.1; done
snap() { for t in /proc/$pid/task/*; do echo "$(basename $t) $(cat $t/comm | tr ' ' _) $(awk '{print $14+$15}' $t/stat)"; done; }
"$loadgen" -q -c $C -d 10 -r ${RATE:-2600000} -p $pid -j $data/out.json http://127.0.0.1:$port/loki/api/v1/push > $data/lg.txt 2>&1 &
lg=$!
# wait for the timed phase: loadgen builds its pool first (~35 s); poll skald's CPU growth
while kill -0 $lg 2>/dev/null; do a=$(awk '{print $14+$15}' /proc/$pid/stat); sleep 0.5; b=$(awk '{print $14+$15}' /proc/$pid/stat); [ $((b-a)) -gt 20 ] && break; done
snap > $data/s1; sleep 8; snap > $data/s2
wait $lg
python3 - $data/s1 $data/s2 $data/out.json <<'PY'
import sys,json
a={l.split()[0]:(l.split()[1],int(l.split()[2])) for l in open(sys.argv[1])}
b={l.split()[0]:(l.split()[1],int(l.split()[2])) for l in open(sys.argv[2])}
r=json.loads(open(sys.argv[3]).read().strip().splitlines()[-1])
lps=r['lines_per_s']
tot=0
rows=[]
for t,(n,v) in b.items():
    d=v-a.get(t,(n,0))[1]
    if d>0: rows.append((d,t,n)); tot+=d
rows.sort(reverse=True)
for d,t,n in rows[:14]: print(f"{t:>8} {n:<16} {d/8:5.1f}% {d/100/8/lps*1e9:7.1f} ns/line")
print(f"total {tot/8:.1f}%  {tot/100/8/lps*1e9:.1f} ns/line  lines/s {lps:,.0f} p50 {r['lat_ms']['p50']}")
PY
curl -s 127.0.0.1:$port/metrics | grep -E '^skald_ingester_wal_(write(s_total|_duration_seconds_(sum|count))|blocks|entries_records)|^loki_ingester_wal_logged_bytes' 
python3 - $port <<'PY2'
import json,sys,urllib.request
port=sys.argv[1]
try:
  acts=json.load(urllib.request.urlopen(f'http://127.0.0.1:{port}/admin/api/actors'))
  items=acts if isinstance(acts,list) else acts.get('actors',[])
  for a in items:
    if a.get('kind')=='wal_ring':
      info=json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/api/actor/{a['id']}"))
      print(json.dumps(info.get('numbers',info))[:600])
except Exception as e: print('admin:',e)
PY2
kill -TERM $pid; wait $pid; rm -rf $data
