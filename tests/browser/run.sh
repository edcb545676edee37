#!/usr/bin/env bash
# The chat page in a real browser: Debian's Chromium (tests/browser/packages.txt) driven by
# playwright-core (pinned in package-lock.json, installed here with `npm ci` when missing), against
# the real gateway and groq-sim executables. Screenshots go to OUT_DIR; measurements are printed.
#   tests/browser/run.sh GATEWAY_BIN SIM_BIN OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
gateway_bin=$1
sim_bin=$2
out=$3
"$here/../../docker/install-deps.sh" "$here/packages.txt"
if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
fi
mkdir -p "$out"
dir=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 20 "$dir"/*.log || true; exit 1; }

# The page's modules that need no browser.
node --test --test-reporter=spec "$here/page_units.test.mjs" || fail "page unit tests failed"

"$sim_bin" --port 0 --ttft-ms 20 --interval-ms 5 >"$dir/sim.out" 2>"$dir/sim.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "groq-sim port" "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
sim_port=$(awk '/groq-sim port/ {print $3}' "$dir/sim.out")
[ -n "$sim_port" ] || fail "groq-sim did not start"

# start NAME ENV...: a gateway on this groq-sim; its port in $port_NAME.
source "$here/../e2e/lib.sh"
start() {
  local name=$1; shift
  start_gateway_as "$gateway_bin" "$dir" "$name" GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" \
    UPSTREAM_MAX_RETRIES=0 THREADS=2 "$@" || fail "gateway $name did not start"
}
start open
start keyed GATEWAY_API_KEYS="page-key-1"
start strict UPSTREAM_TIMEOUT=1 REQUEST_TIMEOUT=3 BREAKER_FAILURES=1 BREAKER_COOLDOWN=60

SIM_URL="http://127.0.0.1:$sim_port" GATEWAY_URL="http://127.0.0.1:$port_open" \
  KEYED_URL="http://127.0.0.1:$port_keyed" KEYED_KEY=page-key-1 \
  STRICT_URL="http://127.0.0.1:$port_strict" OUT_DIR="$out" \
  node --test --test-concurrency=1 --test-reporter=spec "$here/page.test.mjs" || fail "browser tests failed"
