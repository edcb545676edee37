#!/usr/bin/env bash
# chat-bench end to end: a short open-loop run through the gateway (streaming /chat, and the OpenAI
# endpoint) and one straight to groq-sim over TLS; every answer must be complete and the JSON report
# must say so. Not a benchmark: the rates are low so that the run is deterministic.
set -euo pipefail
gateway_bin=$1
sim_bin=$2
bench_bin=$3
dir=$(mktemp -d)
cleanup() { kill -9 "${gw_pid:-}" "${sim_pid:-}" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$dir"/*.json 2>/dev/null || true; echo "--- gateway log"; tail -n 30 "$dir/gw.log" || true; exit 1; }

"$sim_bin" --port 0 --self-signed "$dir/ca.pem" --interval-ms 1 >"$dir/sim.out" 2>"$dir/sim.log" &
sim_pid=$!
for _ in $(seq 100); do grep -q "groq-sim port" "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
sim_port=$(awk '/groq-sim port/ {print $3}' "$dir/sim.out")
[ -n "$sim_port" ] || fail "groq-sim did not start"
GROQ_BASE_URL="https://127.0.0.1:$sim_port/openai/v1" GROQ_CA_FILE="$dir/ca.pem" ACCESS_LOG=false \
  HOST=127.0.0.1 PORT=0 THREADS=1 "$gateway_bin" 2>"$dir/gw.log" &
gw_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/gw.log" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\);.*/\1/p' "$dir/gw.log" | head -n 1)
[ -n "$port" ] || fail "gateway did not start"

# run NAME EXPECTED_REQUESTS ARGS...: the report must count every request as complete.
run() {
  local name=$1 expected=$2
  shift 2
  "$bench_bin" --warmup 0.2 --json "$dir/$name.json" "$@" >"$dir/$name.txt" || fail "$name: chat-bench failed"
  cat "$dir/$name.txt"
  grep -q "\"measured\":$expected," "$dir/$name.json" || fail "$name: not $expected measured requests"
  grep -q "\"ok\":$expected," "$dir/$name.json" || fail "$name: not every answer complete"
  grep -q '"errors":{}' "$dir/$name.json" || fail "$name: errors reported"
}
run chat-stream 100 --rate 100 --requests 100 --stream "http://127.0.0.1:$port/chat"
grep -q '"first_delta":{' "$dir/chat-stream.json" || fail "no first-delta latency"
run openai-repeat 100 --concurrency 4 --requests 100 --repeat 0.5 "http://127.0.0.1:$port/v1/chat/completions"
run sim-direct 60 --rate 200 --requests 60 --stream --insecure "https://127.0.0.1:$sim_port/openai/v1/chat/completions"
# A wrong path is counted as failures by kind, not hidden.
"$bench_bin" --warmup 0 --rate 50 --requests 10 --json "$dir/bad.json" "http://127.0.0.1:$port/nope" >/dev/null
grep -q '"HTTP 404":10' "$dir/bad.json" || fail "404s not reported"
echo "chat-bench e2e: ok"
