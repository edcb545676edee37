#!/usr/bin/env bash
# Benchmarks 1, 2 and 5 (docs/benchmarks.md): the latency the gateway adds, measured with chat-bench
# against groq-sim directly (the reference), through the gateway (/v1 pass-through and /chat), through
# nginx as a plain reverse proxy (the floor for any proxy) and through Portkey's open-source gateway
# (npm @portkey-ai/gateway, pinned in tests/load/portkey), all in the same run on the same machine.
#   1. non-streaming: groq-sim with zero delay, open loop at each of RATES, cache off;
#   2. streaming: groq-sim pacing TOKENS tokens at INTERVAL_MS, STREAMS concurrent streams.
# Every target is measured in turn on the same machine; the "added" columns subtract the direct row.
#
#   tests/load/overhead.sh
#   RATES="1000 5000" DURATION=10 STREAMS=256 SCENARIOS="json stream" tests/load/overhead.sh
#   BASE_BIN=/path/to/other/build/app tests/load/overhead.sh   # adds base-v1 and base-chat rows: that
#                                                              # build's gateway, measured in the same run
source "$(dirname "$0")/common.sh"
rates=${RATES:-500 1000 5000 10000}
# Portkey (one Node process) saturates near 1,000 req/s here; above that its queue only grows until
# the requests time out, which would take minutes and say nothing new.
portkey_max_rate=${PORTKEY_MAX_RATE:-1000}
duration=${DURATION:-10}
warmup=${WARMUP:-2}
streams=${STREAMS:-256}
tokens=${TOKENS:-100}
interval=${INTERVAL_MS:-10}
stream_duration=${STREAM_DURATION:-15}
scenarios=${SCENARIOS:-json stream}
server_threads=${SERVER_THREADS:-1}
targets=${TARGETS:-direct nginx gateway-v1 gateway-chat portkey}
[ -n "${BASE_BIN:-}" ] && targets="$targets base-v1 base-chat"

url_of() {
  case $1 in
    direct) echo "http://127.0.0.1:$sim_port/openai/v1/chat/completions" ;;
    nginx) echo "http://127.0.0.1:$ng_port/openai/v1/chat/completions" ;;
    gateway-v1) echo "http://127.0.0.1:$gw_port/v1/chat/completions" ;;
    gateway-chat) echo "http://127.0.0.1:$gw_port/chat" ;;
    base-v1) echo "http://127.0.0.1:$base_port/v1/chat/completions" ;;
    base-chat) echo "http://127.0.0.1:$base_port/chat" ;;
    portkey) echo "http://127.0.0.1:$pk_port/v1/chat/completions" ;;
  esac
}
# Portkey is told where groq-sim is per request, with its custom-host header.
args_of() {
  if [ "$1" = portkey ]; then
    printf '%s\n' --key bench --header "x-portkey-provider: openai" \
      --header "x-portkey-custom-host: http://127.0.0.1:$sim_port/openai/v1"
  fi
}
start_portkey() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  [ -d "$root/tests/load/portkey/node_modules/@portkey-ai/gateway" ] ||
    (cd "$root/tests/load/portkey" && npm ci --no-audit --no-fund --loglevel=error)
  pk_port=$(free_port)
  # headers-shim.mjs: Portkey 1.15.2's streaming fails on Node 20 without it (see the file).
  NODE_ENV=production node --import "$root/tests/load/portkey/headers-shim.mjs" \
    "$root/tests/load/portkey/node_modules/@portkey-ai/gateway/build/start-server.js" --port="$pk_port" --headless \
    >"$work/portkey.log" 2>&1 &
  pk_pid=$!
  pids+=("$pk_pid")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$pk_port/" >/dev/null && break; sleep 0.1; done
  echo "portkey: @portkey-ai/gateway $(node -p "require('$root/tests/load/portkey/node_modules/@portkey-ai/gateway/package.json').version") on Node $(node --version)" >&2
}
# One simulator per scenario (its pacing is a start option), the gateway and nginx in front of it.
start_stack() {
  start_sim --threads "$server_threads" "$@"
  start_gateway GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" THREADS="$server_threads" CACHE_ENABLED=false \
    UPSTREAM_POOL_SIZE=1024
  if [ -n "${BASE_BIN:-}" ]; then
    local own=$gw_port
    GATEWAY_BIN=$BASE_BIN start_gateway GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" THREADS="$server_threads" \
      CACHE_ENABLED=false UPSTREAM_POOL_SIZE=1024
    base_port=$gw_port
    gw_port=$own
  fi
  start_nginx_proxy "$sim_port" "$server_threads"
}
# bench_target NAME TARGET ARGS...: one chat-bench row. Portkey is started for its row only and
# stopped after it: an overloaded Node process goes on working off its queue, which must not
# land on the next row's measurement.
bench_target() {
  local name=$1 t=$2
  shift 2
  mapfile -t extra < <(args_of "$t")
  [ "$t" = portkey ] && start_portkey
  bench "$name" "$@" "${extra[@]}" "$(url_of "$t")"
  if [ "$t" = portkey ]; then kill "$pk_pid" 2>/dev/null || true; wait "$pk_pid" 2>/dev/null || true; fi
}
stop_stack() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

machine_line
echo "settings: $server_threads thread(s)/worker(s) for groq-sim, the gateway and nginx; chat-bench 1 thread; cache off"

if [[ " $scenarios " == *" json "* ]]; then
  start_stack
  echo
  echo "## 1. non-streaming, open loop, ${duration} s per row after ${warmup} s warm-up"
  echo "| rate | target | achieved req/s | p50 ms | p99 ms | p99.9 ms | added p50 | added p99 | failed |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for rate in $rates; do
    for t in $targets; do
      if [ "$t" = portkey ] && [ "$rate" -gt "$portkey_max_rate" ]; then
        echo "| $rate | $t | not run (above PORTKEY_MAX_RATE=$portkey_max_rate) | | | | | | |"
        continue
      fi
      bench_target "json-$rate-$t" "$t" --rate "$rate" --duration "$duration" --warmup "$warmup"
      p50=$(field "json-$rate-$t" latency_ms total p50)
      p99=$(field "json-$rate-$t" latency_ms total p99)
      [ "$t" = direct ] && { d50=$p50; d99=$p99; }
      printf '| %s | %s | %.0f | %s | %s | %s | %+.3f | %+.3f | %s |\n' "$rate" "$t" \
        "$(field "json-$rate-$t" requests throughput_rps)" "$p50" "$p99" "$(field "json-$rate-$t" latency_ms total p99.9)" \
        "$(echo "$p50 - $d50" | bc -l)" "$(echo "$p99 - $d99" | bc -l)" "$(field "json-$rate-$t" requests failed)"
    done
  done
  stop_stack
fi

if [[ " $scenarios " == *" stream "* ]]; then
  start_stack --tokens "$tokens" --interval-ms "$interval"
  echo
  echo "## 2. streaming, $streams concurrent streams, $tokens tokens at $interval ms, ${stream_duration} s per row"
  echo "| target | streams/s | first delta p50 ms | first delta p99 ms | inter-delta p99 ms | added first-delta p99 | added inter-delta p99 | failed |"
  echo "|---|---|---|---|---|---|---|---|"
  for t in $targets; do
    bench_target "stream-$t" "$t" --concurrency "$streams" --ramp 1 --stream --duration "$stream_duration" --warmup 3
    f50=$(field "stream-$t" latency_ms first_delta p50)
    f99=$(field "stream-$t" latency_ms first_delta p99)
    g99=$(field "stream-$t" latency_ms inter_delta p99)
    [ "$t" = direct ] && { df99=$f99; dg99=$g99; }
    printf '| %s | %.0f | %s | %s | %s | %+.3f | %+.3f | %s |\n' "$t" "$(field "stream-$t" requests throughput_rps)" \
      "$f50" "$f99" "$g99" "$(echo "$f99 - $df99" | bc -l)" "$(echo "$g99 - $dg99" | bc -l)" "$(field "stream-$t" requests failed)"
  done
  stop_stack
fi
