#!/usr/bin/env bash
# tests/e2e/npm_clients_test.sh — third-party Loki clients against a live node.
#
# Usage: tests/e2e/npm_clients_test.sh <path to skald binary>
# Installs the npm clients pinned in tests/e2e/clients/package-lock.json
# (winston-loki, pino-loki) with `npm ci` into a cache folder keyed by the
# lockfile's hash (${XDG_CACHE_HOME:-~/.cache}/skald-e2e/npm/<sha256>; installed
# into a temp folder and renamed, so concurrent runs never see half an install),
# starts skald on a free port with a fresh data dir, and runs clients/check.js,
# which pushes through the clients and reads everything back via query_range.
# Without node or npm the test is skipped (exit 77, ctest SKIP_RETURN_CODE) with
# a visible message, or fails when CI=true (scripts/install-deps installs them).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
skald=${1:?usage: npm_clients_test.sh <skald binary>}

for tool in node npm curl python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [[ "${CI:-}" == "true" ]]; then
      echo "ERROR: $tool not found; CI=true requires it (scripts/install-deps installs nodejs and npm)"
      exit 1
    fi
    echo "SKIP: $tool not found (scripts/install-deps installs nodejs and npm)"
    exit 77
  fi
done

lock="$here/clients/package-lock.json"
hash=$(sha256sum "$lock" | cut -c1-16)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/skald-e2e/npm/$hash"
if [[ ! -d "$cache/node_modules" ]]; then
  mkdir -p "$(dirname "$cache")"
  tmp=$(mktemp -d "$(dirname "$cache")/.install.XXXXXX")
  cp "$here/clients/package.json" "$lock" "$tmp/"
  echo "installing the pinned npm clients into $cache"
  if ! (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
    rm -rf "$tmp"
    echo "ERROR: npm ci failed (is the npm registry reachable?)"
    exit 1
  fi
  if ! mv -T "$tmp" "$cache" 2>/dev/null; then
    rm -rf "$tmp" # another run installed it meanwhile
  fi
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
data=$(mktemp -d "${TMPDIR:-/tmp}/skald-e2e.XXXXXX")
log="$data/skald.log"
"$skald" -config.file="$repo/configs/skald-local.yaml" -server.http-listen-port="$port" \
  -common.path-prefix="$data" -limits-config.discover-service-name= >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready")" == 200 ]]; then
    break
  fi
  sleep 0.1
done
if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready")" != 200 ]]; then
  echo "ERROR: skald did not become ready"; cat "$log"; exit 1
fi

run="e2e-$$-$(date +%s)"
if ! NODE_PATH="$cache/node_modules" node "$here/clients/check.js" "http://127.0.0.1:$port" \
  "$repo/messages/proto/push.proto" "$run"; then
  echo "--- skald log ---"; tail -50 "$log"
  exit 1
fi
