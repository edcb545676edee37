#!/usr/bin/env bash
# Benchmark 4 (docs/benchmarks.md): STREAMS simultaneous slow streams (groq-sim sends one token per
# INTERVAL_MS, TOKENS tokens) through the gateway, each with its own inbound connection and its own
# upstream TLS connection. Reports the gateway's resident memory before the load (idle, after one
# warm-up request) and at its peak while every stream is open, the peak per open stream, and that
# every stream completed (chat-bench checks each one).
#
#   tests/load/memory.sh
#   STREAMS=10000 TOKENS=20 INTERVAL_MS=1000 RAMP=10 tests/load/memory.sh
#   TARGET=nginx STREAMS=5000 tests/load/memory.sh   # the reference: nginx (one process) as a TLS
#                                                    # reverse proxy to the same groq-sim; the
#                                                    # gateway's row to compare needs the same STREAMS
# MAX_CONNECTIONS is set to STREAMS: its default keeps half the descriptors left after
# UPSTREAM_POOL_SIZE for upstream sockets, which with a pool of STREAMS admits about 5,000.
# nginx holds two descriptors per stream in one process: with the hard limit of 20,000, at most
# about 9,900 streams; compare both at STREAMS=5000.
source "$(dirname "$0")/common.sh"
streams=${STREAMS:-10000}
tokens=${TOKENS:-20}
interval=${INTERVAL_MS:-1000}
ramp=${RAMP:-10}
server_threads=${SERVER_THREADS:-1}
api=${API:-chat}  # chat: POST /chat; openai: POST /v1/chat/completions
upstream=${UPSTREAM:-https}  # https (the real setting: TLS to the upstream) or http, to see TLS's share
keep=${KEEP_LOGS:-}  # a directory to copy the gateway's log to
target=${TARGET:-gateway}  # gateway, or nginx: the same test against nginx as the reference

tls_env=()
if [ "$upstream" = https ]; then
  start_sim --self-signed "$work/ca.pem" --tokens "$tokens" --interval-ms "$interval" --threads "$server_threads"
  tls_env=(GROQ_CA_FILE="$work/ca.pem")
else
  start_sim --tokens "$tokens" --interval-ms "$interval" --threads "$server_threads"
fi
path=/chat
[ "$api" = openai ] && path=/v1/chat/completions
if [ "$target" = nginx ]; then
  [ "$upstream" = https ] || { echo "TARGET=nginx needs UPSTREAM=https" >&2; exit 1; }
  gw_port=$(free_port)
  nginx_conf "$work/nginx-memory.conf" "$gw_port" off
  sed -i 's/keepalive 512;/keepalive '"$streams"';/; s/events { worker_connections 16384; }/events { worker_connections 40000; }/' \
    "$work/nginx-memory.conf"
  nginx -e "$work/nginx-tls-error.log" -c "$work/nginx-memory.conf" &
  gw_pid=$!
  pids+=("$gw_pid")
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$gw_port/" && break; sleep 0.05; done
  path=/openai/v1/chat/completions
else
  start_gateway GROQ_BASE_URL="$upstream://127.0.0.1:$sim_port/openai/v1" "${tls_env[@]}" \
    THREADS="$server_threads" CACHE_ENABLED=false UPSTREAM_POOL_SIZE="$streams" REQUEST_TIMEOUT=600 \
    STREAM_IDLE_TIMEOUT=120 MAX_CONNECTIONS="$streams"
fi

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$gw_pid/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$gw_pid/status"; }
# Streams open now: the gateway counts them; for nginx, its established client connections.
open_streams() {
  if [ "$target" = nginx ]; then
    ss -Htn state established "( sport = :$gw_port )" | wc -l
  else
    curl -sf "http://127.0.0.1:$gw_port/metrics" | awk '/^gateway_open_streams / {print $2}'
  fi
}

# One warm-up stream, so that one-time allocations (TLS context, first handshake, caches of the
# allocator) are in the baseline, not charged to the streams.
"$bin/chat-bench" --concurrency 1 --requests 1 --warmup 0 --stream "http://127.0.0.1:$gw_port$path" >/dev/null
base=$(rss_kib)

"$bin/chat-bench" --label "memory" --json "$work/memory.json" --concurrency "$streams" --requests "$streams" \
  --ramp "$ramp" --warmup 0 --stream --timeout $((tokens * interval / 1000 + ramp + 120)) \
  "http://127.0.0.1:$gw_port$path" >"$work/memory.txt" &
bench_pid=$!
peak=0
peak_open=0
while kill -0 "$bench_pid" 2>/dev/null; do
  r=$(rss_kib)
  o=$(open_streams || echo 0)
  [ "${r:-0}" -gt "$peak" ] && peak=$r
  [ "${o%.*}" -gt "$peak_open" ] 2>/dev/null && peak_open=${o%.*}
  sleep 0.5
done
wait "$bench_pid"
cat "$work/memory.txt"
hwm=$(hwm_kib)
[ -n "$keep" ] && [ "$target" = gateway ] && cp "$work/gateway-$gw_port.log" "$keep/"

machine_line
echo "settings: $target, $streams streams via $path, $tokens tokens at $interval ms, ramp $ramp s, THREADS=$server_threads (nginx: one process), upstream $upstream to groq-sim"
echo "| streams completed | failed | most open at once | RSS idle | RSS peak (VmHWM) | per open stream |"
echo "|---|---|---|---|---|---|"
awk -v ok="$(field memory requests ok)" -v failed="$(field memory requests failed)" -v open="$peak_open" \
  -v base="$base" -v hwm="$hwm" 'BEGIN {
    printf "| %d | %d | %d | %.1f MiB | %.1f MiB | %.1f KiB |\n", ok, failed, open, base/1024, hwm/1024, (hwm-base)/(open>0?open:1) }'
