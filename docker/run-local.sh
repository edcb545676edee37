#!/usr/bin/env bash
# `make run`: starts chat-gateway on $PORT (default 8000). Without GROQ_API_KEY (or GROQ_API_KEYS) it first starts the
# bundled groq-sim on loopback with a fresh self-signed certificate and points the gateway at it
# over verified TLS (trusted through GROQ_CA_FILE only). Ctrl-C stops both.
set -euo pipefail
bin=${1:-build/release/app}
port=${PORT:-8000}
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/chat-gateway-run.XXXXXX")
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$run_dir"
}
trap cleanup EXIT

if [ -z "${GROQ_API_KEY:-}" ] && [ -z "${GROQ_API_KEYS:-}" ]; then
  # Paced like a real model so streaming is visible: 300 ms to the first token, then 25 ms each.
  "$bin/groq-sim" --port 0 --self-signed "$run_dir/sim-ca.pem" --ttft-ms 300 --interval-ms 25 \
    >"$run_dir/sim.out" 2>"$run_dir/sim.log" &
  sim_pid=$!
  for _ in $(seq 200); do grep -q "groq-sim port" "$run_dir/sim.out" 2>/dev/null && break; sleep 0.05; done
  sim_port=$(awk '/groq-sim port/ {print $3}' "$run_dir/sim.out")
  if [ -z "$sim_port" ]; then cat "$run_dir/sim.log"; echo "groq-sim did not start" >&2; exit 1; fi
  export GROQ_BASE_URL="https://127.0.0.1:$sim_port/openai/v1"
  export GROQ_CA_FILE="$run_dir/sim-ca.pem"
  echo "GROQ_API_KEY is not set: answering from the bundled groq-sim at $GROQ_BASE_URL (TLS verified against its own certificate via GROQ_CA_FILE)"
fi

cat <<TXT
Open http://localhost:$port in a browser for the chat page, or try the API:
  curl -s localhost:$port/chat -H 'Content-Type: application/json' -d '{"question": "BIST 100 nedir?"}'
  curl -sN localhost:$port/chat -H 'Content-Type: application/json' -d '{"question": "BIST 100 nedir?", "stream": true}'
Ctrl-C stops.
TXT
# Not exec: the trap must still stop groq-sim after the gateway exits. Ctrl-C reaches both
# processes (same process group); the gateway drains requests in flight and exits.
set +e
PORT=$port "$bin/chat-gateway"
status=$?
exit $status
