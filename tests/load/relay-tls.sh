#!/usr/bin/env bash
# Benchmark 9 (docs/benchmarks.md): the relay path against nginx, with a TLS upstream as in
# production. groq-sim serves HTTPS with a self-signed certificate; nginx (one worker) is a TLS
# reverse proxy to it (proxy_ssl_verify on, keepalive 512, proxy_buffering off); the gateway runs
# with THREADS=1 and the cache off. In one run, on one machine:
#   1. streaming: STREAMS concurrent streams of TOKENS tokens at INTERVAL_MS - first-delta and
#      inter-delta p99, direct to groq-sim, through nginx, through the gateway's /v1 and /chat;
#   2. non-streaming at RATE req/s (open loop) - the added p99 of each;
#   3. CPU instructions per streamed token under callgrind (the figure that repeats on this machine):
#      each server under valgrind, CG_STREAMS streams after a warm-up; callgrind_control dumps the
#      counters after the warm-up (which zeroes them) and after the streams, so start-up and
#      warm-up cancel out; the second dump divided by CG_STREAMS x TOKENS;
#   4. system calls per streamed token (strace -c on the serving process): the kernel's side.
# Non-streaming rows also count the TLS handshakes groq-sim completed during the row (and how many
# resumed a session): new upstream connections, the costly part of a burst. STALL_MS=N stalls the
# machine mid-row (three busy loops on two cores for N ms), as a noisy neighbour does: how each
# server recovers from a backlog.
#
#   tests/load/relay-tls.sh
#   SCENARIOS="callgrind" CG_STREAMS=40 tests/load/relay-tls.sh
#   SCENARIOS="callgrind-json" CG_REQUESTS=400 tests/load/relay-tls.sh   # per non-streaming request
#   SCENARIOS="syscalls" tests/load/relay-tls.sh   # system calls per streamed token (strace -c)
#   SCENARIOS="json" RATE=5000 SIM_THREADS=2 STALL_MS=500 tests/load/relay-tls.sh   # a stall mid-row
#   NEW_CONNECTIONS=1 SCENARIOS="callgrind-json" tests/load/relay-tls.sh   # no upstream keep-alive
#       (gateway UPSTREAM_POOL_SIZE=0, nginx without keepalive): what a new upstream connection costs
#   PROFILE=DIR tests/load/relay-tls.sh      # keeps the callgrind dumps in DIR for callgrind_annotate
#   BASE_BIN=/other/build/app tests/load/relay-tls.sh   # adds base-v1 and base-chat rows: that
#                                                       # build's gateway, in the same run
source "$(dirname "$0")/common.sh"
streams=${STREAMS:-256}
tokens=${TOKENS:-100}
interval=${INTERVAL_MS:-10}
stream_duration=${STREAM_DURATION:-12}
# groq-sim (one thread) answers about 3,200 req/s over TLS here: at 5,000 every row, the direct one
# included, only measures its queue.
rate=${RATE:-2000}
sim_threads=${SIM_THREADS:-1}
duration=${DURATION:-10}
stall_ms=${STALL_MS:-0}
cg_streams=${CG_STREAMS:-40}
cg_requests=${CG_REQUESTS:-400}
cg_concurrency=${CG_CONCURRENCY:-4}
sys_streams=${SYS_STREAMS:-256}
sys_concurrency=${SYS_CONCURRENCY:-64}
scenarios=${SCENARIOS:-stream json callgrind syscalls}
targets=${TARGETS:-direct nginx gateway-v1 gateway-chat}
[ -n "${BASE_BIN:-}" ] && targets="$targets base-v1 base-chat"
profile_dir=${PROFILE:-}

url_of() {
  case $1 in
    direct) echo "https://127.0.0.1:$sim_port/openai/v1/chat/completions" ;;
    nginx) echo "http://127.0.0.1:$ng_port/openai/v1/chat/completions" ;;
    gateway-v1) echo "http://127.0.0.1:$gw_port/v1/chat/completions" ;;
    gateway-chat) echo "http://127.0.0.1:$gw_port/chat" ;;
    base-v1) echo "http://127.0.0.1:$base_port/v1/chat/completions" ;;
    base-chat) echo "http://127.0.0.1:$base_port/chat" ;;
  esac
}
ca_args() { [ "$1" = direct ] && echo "--ca $work/ca.pem"; true; }

wait_http() {  # URL: until it answers at all (valgrind makes start-up slow)
  for _ in $(seq 600); do curl -s -o /dev/null "$1" && return; sleep 0.1; done
  echo "$1 did not answer" >&2
  exit 1
}
new_connections=${NEW_CONNECTIONS:-}
gateway_env() {
  echo GROQ_BASE_URL="https://127.0.0.1:$sim_port/openai/v1" GROQ_CA_FILE="$work/ca.pem" THREADS=1 \
    CACHE_ENABLED=false UPSTREAM_POOL_SIZE=$([ -n "$new_connections" ] && echo 0 || echo 1024)
}
# Without upstream keep-alive nginx opens a connection per request too (its TLS session still reused).
ng_keepalive=$([ -n "$new_connections" ] && echo off || echo on)

# start_targets SIM_ARGS...: groq-sim with these pacing options, the gateway (and the base build's)
# and nginx in front of it; stop_targets ends them. The streaming rows pace tokens; the
# non-streaming ones answer at once, so that only the servers' own time is measured.
start_targets() {
  start_sim --self-signed "$work/ca.pem" --threads "$sim_threads" "$@"
  if [ -n "${BASE_BIN:-}" ]; then
    # shellcheck disable=SC2046
    GATEWAY_BIN=$BASE_BIN start_gateway $(gateway_env)
    base_port=$gw_port
    base_pid=$gw_pid
  fi
  # shellcheck disable=SC2046
  start_gateway $(gateway_env)
  ng_port=$(free_port)
  nginx_conf "$work/nginx-tls.conf" "$ng_port" on "$ng_keepalive"
  nginx -e "$work/nginx-tls-error.log" -c "$work/nginx-tls.conf" &
  ng_master=$!
  pids+=("$ng_master")
  wait_http "http://127.0.0.1:$ng_port/"
}
# sim_handshakes: groq-sim's completed TLS handshakes and, of those, resumed ones ("N R").
sim_handshakes() {
  curl -sf --cacert "$work/ca.pem" "https://127.0.0.1:$sim_port/sim/stats" |
    python3 -c 'import json, sys; s = json.load(sys.stdin); print(s["tls_handshakes"], s["tls_resumed"])'
}
# stall_later SECONDS MS: after SECONDS, three busy loops for MS milliseconds (two cores here).
stall_later() {
  sleep "$1"
  for _ in 1 2 3; do timeout "$(echo "$2 / 1000" | bc -l)" sh -c 'while :; do :; done' & done
  wait
}
stop_targets() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

machine_line
echo "settings: groq-sim over TLS (self-signed, verified), one thread; gateway THREADS=1, cache off; nginx 1 worker, proxy_ssl_verify on, keepalive 512, proxy_buffering off${new_connections:+; NEW_CONNECTIONS: no upstream keep-alive on either}"

if [[ " $scenarios " == *" stream "* ]]; then
  start_targets --tokens "$tokens" --interval-ms "$interval"
  echo
  echo "## streaming over TLS, $streams concurrent streams of $tokens tokens at $interval ms, ${stream_duration} s per row"
  echo "| target | streams/s | first delta p50 ms | first delta p99 ms | inter-delta p99 ms | first-delta p99 / nginx | inter-delta p99 / nginx | failed |"
  echo "|---|---|---|---|---|---|---|---|"
  for t in $targets; do
    # shellcheck disable=SC2046
    bench "stream-$t" --concurrency "$streams" --ramp 1 --stream --duration "$stream_duration" --warmup 3 \
      $(ca_args "$t") "$(url_of "$t")"
  done
  nf=$(field stream-nginx latency_ms first_delta p99)
  ng=$(field stream-nginx latency_ms inter_delta p99)
  for t in $targets; do
    f99=$(field "stream-$t" latency_ms first_delta p99)
    g99=$(field "stream-$t" latency_ms inter_delta p99)
    printf '| %s | %.0f | %s | %s | %s | %.2fx | %.2fx | %s |\n' "$t" "$(field "stream-$t" requests throughput_rps)" \
      "$(field "stream-$t" latency_ms first_delta p50)" "$f99" "$g99" "$(echo "$f99 / $nf" | bc -l)" \
      "$(echo "$g99 / $ng" | bc -l)" "$(field "stream-$t" requests failed)"
  done
  stop_targets
fi

if [[ " $scenarios " == *" json "* ]]; then
  start_targets
  echo
  echo "## non-streaming over TLS, open loop at $rate req/s, ${duration} s per row"
  # The goal compares added p99s (p99 minus direct's p99); the direct term cancels, so the last
  # column, p99 minus nginx's p99, is the same comparison and needs no direct row (TARGETS may omit
  # it: at high rates the direct row measures chat-bench's own TLS client more than groq-sim).
  [ "$stall_ms" -gt 0 ] && echo "(the machine stalled for $stall_ms ms, $((duration / 2)) s into each row)"
  echo "| target | achieved req/s | p50 ms | p99 ms | added p99 | p99 - nginx p99 | failed | upstream TLS handshakes (resumed) |"
  echo "|---|---|---|---|---|---|---|---|"
  declare -A handshakes
  for t in $targets; do
    before=$(sim_handshakes)
    stall_pid=""
    if [ "$stall_ms" -gt 0 ]; then stall_later $((2 + duration / 2)) "$stall_ms" & stall_pid=$!; fi
    # shellcheck disable=SC2046
    bench "json-$t" --rate "$rate" --duration "$duration" --warmup 2 $(ca_args "$t") "$(url_of "$t")"
    [ -z "$stall_pid" ] || wait "$stall_pid"
    after=$(sim_handshakes)
    handshakes[$t]="$((${after% *} - ${before% *})) ($((${after#* } - ${before#* })))"
  done
  d99=""
  [[ " $targets " == *" direct "* ]] && d99=$(field json-direct latency_ms total p99)
  n99=$(field json-nginx latency_ms total p99)
  for t in $targets; do
    p99=$(field "json-$t" latency_ms total p99)
    added=-
    [ -n "$d99" ] && added=$(printf '%+.3f' "$(echo "$p99 - $d99" | bc -l)")
    printf '| %s | %.0f | %s | %s | %s | %+.3f | %s | %s |\n' "$t" "$(field "json-$t" requests throughput_rps)" \
      "$(field "json-$t" latency_ms total p50)" "$p99" "$added" "$(echo "$p99 - $n99" | bc -l)" \
      "$(field "json-$t" requests failed)" "${handshakes[$t]}"
  done
  stop_targets
fi

# callgrind_count NAME PID URL UNITS BENCH_ARGS...: warm-up, dump, CG_STREAMS requests, dump; prints
# the instructions of the second dump divided by UNITS.
# valgrind names its control pipe after $HOST, which is also the gateway's listen address: every
# valgrind and callgrind_control here runs with HOST=127.0.0.1.
callgrind_count() {
  local name=$1 pid=$2 url=$3 units=$4 out=$work/cg-$1
  shift 4
  "$bin/chat-bench" --concurrency "$cg_concurrency" --requests $((cg_concurrency * 2)) --warmup 0 "$@" \
    --timeout 300 "$url" >/dev/null
  HOST=127.0.0.1 callgrind_control --dump=warm "$pid" >/dev/null
  "$bin/chat-bench" --concurrency "$cg_concurrency" --requests "$cg_streams" --warmup 0 "$@" --timeout 300 \
    --json "$work/cg-$name.json" "$url" >/dev/null
  [ "$(field "cg-$name" requests ok)" = "$cg_streams" ] || { echo "$name: not every request completed" >&2; exit 1; }
  local dump
  dump=$(callgrind_dump "$pid" "$out" measured)
  [ -n "$profile_dir" ] && { mkdir -p "$profile_dir"; cp "$dump" "$profile_dir/callgrind.$name.out"; }
  awk -v n="$units" '/^summary:/ {printf "%.0f", $2 / n}' "$dump"
}

# callgrind_table KIND: nginx and each gateway endpoint under valgrind, one at a time, against the
# running groq-sim; KIND "stream" counts per streamed token, "json" per non-streaming request.
callgrind_table() {
  local kind=$1 units=$((cg_streams * tokens)) args=(--stream) cg_pid n_ir ir t t_bin
  # Non-streaming: CG_REQUESTS requests (callgrind_count reads cg_streams, dynamically scoped here).
  [ "$kind" = json ] && local cg_streams=$cg_requests && units=$cg_requests && args=()
  cg_port=$(free_port)
  nginx_conf "$work/nginx-cg.conf" "$cg_port" off "$ng_keepalive"
  HOST=127.0.0.1 valgrind --tool=callgrind --compress-strings=no --callgrind-out-file="$work/cg-$kind-nginx.%p" \
    nginx -e "$work/nginx-tls-error.log" -c "$work/nginx-cg.conf" 2>"$work/valgrind-nginx.log" &
  cg_pid=$!
  wait_http "http://127.0.0.1:$cg_port/"
  ng_port=$cg_port
  n_ir=$(callgrind_count "$kind-nginx" "$cg_pid" "$(url_of nginx)" "$units" "${args[@]}")
  kill "$cg_pid"; wait "$cg_pid" 2>/dev/null || true
  printf '| nginx | %s | 1.00x |\n' "$n_ir"
  for t in gateway-v1 gateway-chat ${BASE_BIN:+base-v1 base-chat}; do
    gw_port=$(free_port)
    base_port=$gw_port
    t_bin=$bin
    [[ $t == base-* ]] && t_bin=$BASE_BIN
    # shellcheck disable=SC2046
    env HOST=127.0.0.1 PORT="$gw_port" LOG_LEVEL=warn ACCESS_LOG=false $(gateway_env) \
      valgrind --tool=callgrind --compress-strings=no --callgrind-out-file="$work/cg-$kind-$t.%p" "$t_bin/chat-gateway" \
      2>"$work/valgrind-$t.log" &
    cg_pid=$!
    wait_http "http://127.0.0.1:$gw_port/healthz"
    ir=$(callgrind_count "$kind-$t" "$cg_pid" "$(url_of "$t")" "$units" "${args[@]}")
    kill "$cg_pid"; wait "$cg_pid" 2>/dev/null || true
    printf '| %s | %s | %.2fx |\n' "$t" "$ir" "$(echo "$ir / $n_ir" | bc -l)"
  done
}

if [[ " $scenarios " == *" callgrind "* ]]; then
  echo
  echo "## CPU instructions per streamed token (callgrind), $cg_streams streams of $tokens tokens, $cg_concurrency at a time"
  echo "| target | instructions per token | / nginx |"
  echo "|---|---|---|"
  start_sim --self-signed "$work/ca.pem" --threads 1 --tokens "$tokens" --interval-ms "$interval"
  callgrind_table stream
  stop_targets
fi

if [[ " $scenarios " == *" callgrind-json "* ]]; then
  echo
  echo "## CPU instructions per non-streaming request (callgrind), $cg_requests requests, $cg_concurrency at a time"
  echo "| target | instructions per request | / nginx |"
  echo "|---|---|---|"
  start_sim --self-signed "$work/ca.pem" --threads 1
  callgrind_table json
  stop_targets
fi

# syscall_table: system calls per streamed token, counted by strace -c on the serving process (the
# nginx worker, the gateway) over SYS_STREAMS streams, SYS_CONCURRENCY at a time. The kernel's side
# of each event, which callgrind does not see. strace slows the process it counts, so more events
# arrive together than without it; every row is counted the same way.
syscall_table() {
  local t pid url units=$((sys_streams * tokens))
  start_targets --tokens "$tokens" --interval-ms "$interval"
  for t in nginx gateway-v1 gateway-chat ${BASE_BIN:+base-v1 base-chat}; do
    url=$(url_of "$t")
    case $t in
      nginx) pid=$(pgrep -P "$ng_master" | head -1) ;;
      base-*) pid=$base_pid ;;
      *) pid=$gw_pid ;;
    esac
    "$bin/chat-bench" --concurrency "$sys_concurrency" --requests "$sys_concurrency" --stream --warmup 0 "$url" >/dev/null
    strace -c -f -p "$pid" -o "$work/sys-$t.txt" 2>/dev/null &
    local strace_pid=$!
    sleep 0.5  # attached
    "$bin/chat-bench" --concurrency "$sys_concurrency" --requests "$sys_streams" --stream --warmup 0 \
      --json "$work/sys-$t.json" "$url" >/dev/null
    kill -INT "$strace_pid"; wait "$strace_pid" 2>/dev/null || true
    [ "$(field "sys-$t" requests ok)" = "$sys_streams" ] || { echo "$t: not every stream completed" >&2; exit 1; }
    python3 - "$work/sys-$t.txt" "$t" "$units" <<'PY'
import sys
path, name, units = sys.argv[1], sys.argv[2], int(sys.argv[3])
calls = {}
for line in open(path):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and not f[-1].startswith('-'):
        calls[f[-1]] = (int(f[3]), int(f[4]) if len(f) == 6 else 0)
total = calls.pop('total', (sum(c for c, _ in calls.values()), 0))[0]
recv = sum(calls.get(k, (0, 0))[0] for k in ('read', 'recvfrom', 'recvmsg', 'readv'))
eagain = sum(calls.get(k, (0, 0))[1] for k in ('read', 'recvfrom', 'recvmsg', 'readv'))
send = sum(calls.get(k, (0, 0))[0] for k in ('write', 'writev', 'sendmsg', 'sendto'))
epoll = calls.get('epoll_wait', (0, 0))[0] + calls.get('epoll_ctl', (0, 0))[0]
print(f"| {name} | {total / units:.2f} | {recv / units:.2f} | {eagain / units:.2f} | {send / units:.2f} | {epoll / units:.2f} |")
PY
  done
  stop_targets
}

if [[ " $scenarios " == *" syscalls "* ]]; then
  echo
  echo "## system calls per streamed token (strace -c), $sys_streams streams of $tokens tokens, $sys_concurrency at a time"
  echo "| target | all | reads | of them EAGAIN | writes | epoll_wait + epoll_ctl |"
  echo "|---|---|---|---|---|---|"
  syscall_table
fi
