#!/usr/bin/env bash
# Runs tests/sdk/sdk.test.mjs (node's built-in test runner) with the official `openai` and
# `groq-sdk` packages, pinned in package.json + package-lock.json and installed here with `npm ci`
# when missing, against the real gateway and groq-sim executables.
#   tests/sdk/run.sh GATEWAY_BIN SIM_BIN
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
gateway_bin=$1
sim_bin=$2
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then  # Node 20 is expected; Debian's is a fallback
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
if [ ! -d "$here/node_modules/openai" ] || [ ! -d "$here/node_modules/groq-sdk" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
dir=$(mktemp -d)
cleanup() { kill "${gw_pid:-}" "${sim_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$dir/gw.log" || true; exit 1; }

"$sim_bin" --port 0 >"$dir/sim.out" 2>"$dir/sim.log" &
sim_pid=$!
for _ in $(seq 100); do grep -q "groq-sim port" "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
sim_port=$(awk '/groq-sim port/ {print $3}' "$dir/sim.out")
[ -n "$sim_port" ] || fail "groq-sim did not start"

# The gateway does not retry here: the SDK's own retry against the gateway's Retry-After is tested.
GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" GATEWAY_API_KEYS="sdk-key-1, sdk-key-2" \
  UPSTREAM_MAX_RETRIES=0 HOST=127.0.0.1 PORT=0 THREADS=2 "$gateway_bin" 2>"$dir/gw.log" &
gw_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/gw.log" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\);.*/\1/p' "$dir/gw.log")
[ -n "$port" ] || fail "gateway did not start"

GATEWAY_URL="http://127.0.0.1:$port" GATEWAY_KEY=sdk-key-2 \
  node --test --test-reporter=spec "$here/sdk.test.mjs" || fail "SDK tests failed"
