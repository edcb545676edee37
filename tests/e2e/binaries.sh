#!/usr/bin/env bash
# End to end through the real executables, as `make run` wires them: groq-sim with a fresh
# self-signed certificate, the gateway trusting it only through GROQ_CA_FILE, curl as the client,
# then SIGINT and a clean exit of both.
set -euo pipefail
gateway_bin=$1
sim_bin=$2
dir=$(mktemp -d)
cleanup() { kill -9 "${gw_pid:-}" "${sim_pid:-}" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- gateway log"; cat "$dir/gw.log" || true; echo "--- sim log"; cat "$dir/sim.log" || true; exit 1; }

"$sim_bin" --port 0 --self-signed "$dir/ca.pem" --api-key e2e-key >"$dir/sim.out" 2>"$dir/sim.log" &
sim_pid=$!
for _ in $(seq 100); do grep -q "groq-sim port" "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
sim_port=$(awk '/groq-sim port/ {print $3}' "$dir/sim.out")
[ -n "$sim_port" ] || fail "groq-sim did not start"

GROQ_API_KEY=e2e-key GROQ_BASE_URL="https://127.0.0.1:$sim_port/openai/v1" GROQ_CA_FILE="$dir/ca.pem" \
  HOST=127.0.0.1 PORT=0 THREADS=2 "$gateway_bin" 2>"$dir/gw.log" &
gw_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/gw.log" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\);.*/\1/p' "$dir/gw.log")
[ -n "$port" ] || fail "gateway did not start"
grep -q "e2e-key" "$dir/gw.log" && fail "the API key appeared in the log"

json=$(curl -sS --max-time 10 -H 'Content-Type: application/json' -d '{"question":"BIST 100 nedir?"}' "http://127.0.0.1:$port/chat")
echo "$json" | grep -q '"answer":"' || fail "no JSON answer: $json"
echo "$json" | grep -q 'İstanbul' || fail "answer lost its Turkish letters: $json"

stream=$(curl -sS -N --max-time 10 -H 'Content-Type: application/json' -d '{"question":"BIST 100 nedir?","stream":true}' "http://127.0.0.1:$port/chat")
echo "$stream" | grep -q '^data: {"delta":' || fail "no deltas: $stream"
echo "$stream" | grep -q '^data: {"done":true' || fail "no done event: $stream"
[ "$(echo "$stream" | grep -v '^$' | tail -n 1)" = "data: [DONE]" ] || fail "stream does not end with [DONE]"

"$gateway_bin" --help | grep -q REQUEST_TIMEOUT || fail "--help does not list the settings"
PORT=abc "$gateway_bin" 2>"$dir/bad.log" && fail "an invalid PORT was accepted"
grep -q "PORT" "$dir/bad.log" || fail "the config error does not name PORT"

kill -INT "$gw_pid" "$sim_pid"
for pid in "$gw_pid" "$sim_pid"; do
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && fail "process $pid did not stop on SIGINT"
  wait "$pid" || fail "process $pid exited with an error"
done
gw_pid= sim_pid=
echo "e2e: 1 passed, 0 failed"
