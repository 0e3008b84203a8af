#!/usr/bin/env bash
# tests/e2e/run_admin_console.sh — runs the admin console's browser test
# (tests/e2e/admin_console.cjs) as ctest `e2e.admin_console`.
#
#   tests/e2e/run_admin_console.sh SKALD_BINARY ARTIFACT_DIR
#
# Needs Debian's chromium (/usr/bin/chromium, scripts/install-deps) and node +
# npm. playwright-core comes from the npm registry into a cache folder
# ($SKALD_E2E_CACHE, default ~/.cache/skald-e2e) once; it never downloads a
# browser. Without chromium or node the test is skipped with a message
# (exit 77), unless CI=true, where that is a failure.
set -euo pipefail

skald=${1:?usage: run_admin_console.sh SKALD_BINARY ARTIFACT_DIR}
artifacts=${2:?usage: run_admin_console.sh SKALD_BINARY ARTIFACT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
cache=${SKALD_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skald-e2e}

skip() {
  if [[ "${CI:-}" == true ]]; then
    echo "e2e.admin_console: FAILED (CI=true): $*" >&2
    exit 1
  fi
  echo "e2e.admin_console: SKIPPED: $*" >&2
  exit 77
}

[[ -x /usr/bin/chromium ]] || skip "/usr/bin/chromium is missing (apt-get install chromium)"
command -v node >/dev/null || skip "node is missing"

if [[ ! -f "$cache/node_modules/playwright-core/package.json" ]]; then
  command -v npm >/dev/null || skip "npm is missing (needed once to fetch playwright-core)"
  mkdir -p "$cache"
  echo "e2e.admin_console: installing playwright-core into $cache" >&2
  (cd "$cache" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund \
     --loglevel=error playwright-core@1 >&2) || skip "npm install playwright-core failed"
fi

mkdir -p "$artifacts"
exec node "$here/admin_console.cjs" --skald "$skald" --cache "$cache" \
  --config "$here/../../configs/skald-local.yaml" --artifacts "$artifacts"
