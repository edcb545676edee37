#!/usr/bin/env bash
# End to end through the real executables, as `make run` wires them: groq-sim with a fresh
# self-signed certificate, the gateway trusting it only through GROQ_CA_FILE, curl as the client,
# SIGHUP's live reload of CONFIG_FILE, then SIGINT and a clean exit of both.
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

start_gateway() {  # extra environment as NAME=VALUE arguments
  env GROQ_API_KEY=e2e-key GROQ_BASE_URL="https://127.0.0.1:$sim_port/openai/v1" GROQ_CA_FILE="$dir/ca.pem" \
    HOST=127.0.0.1 PORT=0 THREADS=2 "$@" "$gateway_bin" 2>"$dir/gw.log" >"$dir/access.log" &
  gw_pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$dir/gw.log" 2>/dev/null && break; sleep 0.05; done
  port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\);.*/\1/p' "$dir/gw.log" | head -n 1)
  [ -n "$port" ] || fail "gateway did not start"
}
# Streams `question` to $dir/$2 in the background (curl_pid) and waits for its first delta; more
# arguments go to curl.
stream_in_background() {
  curl -sS -N --max-time 30 -H 'Content-Type: application/json' "${@:3}" \
    -d "{\"question\":\"$1\",\"stream\":true}" "http://127.0.0.1:$port/chat" >"$dir/$2" &
  curl_pid=$!
  for _ in $(seq 250); do grep -q '"delta"' "$dir/$2" 2>/dev/null && break; sleep 0.02; done
  grep -q '"delta"' "$dir/$2" || fail "the stream did not start"
}
wait_exit_ok() {  # pid: exits within 5 s with status 0
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$1" 2>/dev/null && fail "process $1 did not stop"
  wait "$1" || fail "process $1 exited with an error"
}
start_gateway
grep -q "e2e-key" "$dir/gw.log" && fail "the API key appeared in the log"

json=$(curl -sS --max-time 10 -H 'Content-Type: application/json' -d '{"question":"BIST 100 nedir?"}' "http://127.0.0.1:$port/chat")
echo "$json" | grep -q '"answer":"' || fail "no JSON answer: $json"
echo "$json" | grep -q 'İstanbul' || fail "answer lost its Turkish letters: $json"

stream=$(curl -sS -N --max-time 10 -H 'Content-Type: application/json' -d '{"question":"BIST 100 nedir?","stream":true}' "http://127.0.0.1:$port/chat")
echo "$stream" | grep -q '^data: {"delta":' || fail "no deltas: $stream"
echo "$stream" | grep -q '^data: {"done":true' || fail "no done event: $stream"
[ "$(echo "$stream" | grep -v '^$' | tail -n 1)" = "data: [DONE]" ] || fail "stream does not end with [DONE]"

# Read whole, not with grep -q on a pipe: grep leaving early would be the gateway's SIGPIPE.
help=$("$gateway_bin" --help) || fail "--help failed"
grep -q REQUEST_TIMEOUT <<<"$help" || fail "--help does not list the settings"
PORT=abc "$gateway_bin" 2>"$dir/bad.log" && fail "an invalid PORT was accepted"
grep -q "PORT" "$dir/bad.log" || fail "the config error does not name PORT"

# The access log: one JSON line per request on stdout, with no secrets in it.
for _ in $(seq 50); do [ "$(grep -c '"path":"/chat"' "$dir/access.log")" -ge 2 ] && break; sleep 0.05; done
grep -q '"method":"POST","path":"/chat","status":200,"cache":"MISS","attempts":1,' "$dir/access.log" \
  || fail "no access log line for the first /chat: $(cat "$dir/access.log")"
grep -q '"cache":"HIT","cache_match":"exact","attempts":0,' "$dir/access.log" || fail "no access log line for the cache hit (with its match kind)"
grep -q "e2e-key\|BIST" "$dir/access.log" && fail "the access log carries a key or a question"

# SIGTERM while a stream is in flight: the stream completes, then the gateway exits 0.
stream_in_background "Temettü nedir? [[sim interval=40 tokens=30]]" inflight.txt
kill -TERM "$gw_pid"
wait "$curl_pid" || fail "the stream in flight failed during shutdown: $(cat "$dir/inflight.txt")"
[ "$(grep -v '^$' "$dir/inflight.txt" | tail -n 1)" = "data: [DONE]" ] || fail "the stream in flight was cut: $(cat "$dir/inflight.txt")"
wait_exit_ok "$gw_pid"

# A stream longer than SHUTDOWN_GRACE ends with a shutting_down event; the gateway still exits 0.
start_gateway SHUTDOWN_GRACE=0.3 LOG_FORMAT=json
stream_in_background "Altın nedir? [[sim interval=300 tokens=40]]" cut.txt
kill -TERM "$gw_pid"
wait "$curl_pid" || true
grep -q '"code":"shutting_down"' "$dir/cut.txt" || fail "no shutting_down event: $(cat "$dir/cut.txt")"
grep -q '\[DONE\]' "$dir/cut.txt" && fail "a cut stream ended with [DONE]"
wait_exit_ok "$gw_pid"
head -n 1 "$dir/gw.log" | grep -q '^{"time":"[^"]*Z","level":"info","msg":"chat-gateway listening' \
  || fail "LOG_FORMAT=json did not log JSON lines: $(head -n 2 "$dir/gw.log")"

# SIGHUP re-reads CONFIG_FILE: a stream in flight completes on its settings, a client key removed
# is refused at once and one added works; an invalid file is refused and the running one stays.
status_for() {  # client key -> HTTP status of a /chat
  curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' -d '{"question":"Repo nedir?"}' "http://127.0.0.1:$port/chat"
}
wait_log() { for _ in $(seq 100); do grep -q "$1" "$dir/gw.log" && return 0; sleep 0.05; done; fail "no log line: $1"; }
printf '# live settings\nGATEWAY_API_KEYS=client-old\n' >"$dir/gw.env"
start_gateway CONFIG_FILE="$dir/gw.env"
[ "$(status_for client-old)" = 200 ] || fail "CONFIG_FILE's client key was not taken at start"
stream_in_background "Faiz nedir? [[sim interval=40 tokens=30]]" reload.txt -H 'Authorization: Bearer client-old'
printf 'GATEWAY_API_KEYS=client-new\nPORT=1\n' >"$dir/gw.env"
kill -HUP "$gw_pid"
wait_log "configuration generation 2 live"
wait_log "PORT differs from the running configuration and needs a restart"
[ "$(status_for client-old)" = 401 ] || fail "a removed client key still works after SIGHUP"
[ "$(status_for client-new)" = 200 ] || fail "an added client key does not work after SIGHUP"
wait "$curl_pid" || fail "the stream in flight failed during the reload: $(cat "$dir/reload.txt")"
[ "$(grep -v '^$' "$dir/reload.txt" | tail -n 1)" = "data: [DONE]" ] || fail "the stream in flight was cut: $(cat "$dir/reload.txt")"
printf 'GATEWAY_API_KEYS=client-newer\nRATE_LIMIT_RPM=lots\n' >"$dir/gw.env"
kill -HUP "$gw_pid"
wait_log "reload refused, configuration generation 2 stays live"
[ "$(status_for client-new)" = 200 ] || fail "a refused reload changed the running keys"
metrics=$(curl -sS --max-time 10 "http://127.0.0.1:$port/metrics")
grep -q '^gateway_config_generation 2$' <<<"$metrics" || fail "gateway_config_generation is not 2"
grep -q '^gateway_config_reloads_total{outcome="refused"} 1$' <<<"$metrics" || fail "the refused reload was not counted"
grep -q "client-old\|client-new" "$dir/gw.log" && fail "a client key reached the log"
kill -TERM "$gw_pid"
wait_exit_ok "$gw_pid"

kill -INT "$sim_pid"
wait_exit_ok "$sim_pid"
gw_pid= sim_pid=
echo "e2e: passed"
