#!/usr/bin/env bash
# Benchmark 9, the cache-hit path (docs/benchmarks.md): CPU instructions per cache hit under
# callgrind - the figure that repeats on this machine, where requests/s swing by more than the
# builds differ. The gateway (THREADS=1, cache on) answers one cached /chat question; nginx (one
# worker, one process) answers the same bytes with `return 200 '...'` from its configuration. Each
# runs under valgrind in turn: wrk warms it up, a callgrind dump zeroes the counters, wrk sends
# hits for DURATION over CONNECTIONS keep-alive connections, a second dump is divided by the
# requests wrk counted.
#
# With LOGS=1 each server also runs with its access log on, to a file (nginx's default `combined`
# line with a write() per request; the gateway's JSON line with its defaults): rows "... logs on",
# the writer thread's instructions included (callgrind counts every thread).
#
#   tests/load/cache-hit-instructions.sh
#   BASE_BIN=/other/build/app tests/load/cache-hit-instructions.sh   # adds that build's row
#   LOGS=1 tests/load/cache-hit-instructions.sh                      # adds the logs-on rows
source "$(dirname "$0")/common.sh"
connections=${CONNECTIONS:-8}
duration=${DURATION:-5s}
question=${QUESTION:-BIST 100 nedir?}
profile_dir=${PROFILE:-}

start_sim
body=$(QUESTION="$question" python3 -c 'import json, os; print(json.dumps({"question": os.environ["QUESTION"]}))')

# count NAME PID URL [LUA]: warm-up, dump, hits for DURATION, dump; prints instructions per request.
count() {
  local name=$1 pid=$2 url=$3 lua=${4:-} out=$work/cg-$1 args=() dump requests
  [ -n "$lua" ] && args=(-s "$lua")
  QUESTION="$question" wrk -t1 -c"$connections" -d2s "${args[@]}" "$url" >/dev/null
  callgrind_dump "$pid" "$out" warm >/dev/null
  requests=$(QUESTION="$question" wrk -t1 -c"$connections" -d"$duration" "${args[@]}" "$url" |
    awk '/requests in/ {print $1} /Non-2xx|Socket errors/ {bad = 1} END {if (bad) print "errors"}')
  [[ $requests =~ ^[0-9]+$ ]] || { echo "$name: wrk saw errors" >&2; exit 1; }
  dump=$(callgrind_dump "$pid" "$out" measured)
  [ -n "$profile_dir" ] && { mkdir -p "$profile_dir"; cp "$dump" "$profile_dir/callgrind.hit-$name.out"; }
  awk -v n="$requests" '/^summary:/ {printf "%.0f", $2 / n}' "$dump"
}

valgrind_args() { echo env HOST=127.0.0.1 valgrind --tool=callgrind --compress-strings=no --callgrind-out-file="$work/cg-$1.%p"; }

echo "$(machine_line)"
echo "settings: wrk -t1 -c$connections, $duration measured after a 2 s warm-up; gateway THREADS=1; nginx one worker, return 200"
echo
echo "| target | instructions per hit | / nginx return 200 |"
echo "|---|---|---|"
# The gateway's cached body is nginx's reply: fetched from a gateway run without valgrind.
start_gateway GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" THREADS=1
curl -sf "http://127.0.0.1:$gw_port/chat" -H 'Content-Type: application/json' -d "$body" >"$work/answer.json"
kill "$gw_pid"
# shellcheck disable=SC2046
start_nginx_return 1 "$work/answer.json" $(valgrind_args nginx)
n_ir=$(count nginx "$ngr_pid" "http://127.0.0.1:$ngr_port/")
kill "$ngr_pid"
printf '| nginx return 200 | %s | 1.00x |\n' "$n_ir"
if [ "${LOGS:-0}" = 1 ]; then
  # shellcheck disable=SC2046
  NGINX_ACCESS_LOG="$work/nginx-access.log" start_nginx_return 1 "$work/answer.json" $(valgrind_args nginx-logs)
  nl_ir=$(count nginx-logs "$ngr_pid" "http://127.0.0.1:$ngr_port/")
  kill "$ngr_pid"
  printf '| nginx return 200, logs on | %s | %.2fx |\n' "$nl_ir" "$(echo "$nl_ir / $n_ir" | bc -l)"
fi
for t in gateway ${BASE_BIN:+base} ${LOGS:+gateway-logs} ${BASE_BIN:+${LOGS:+base-logs}}; do
  [[ $t = *-logs ]] && [ "${LOGS:-0}" != 1 ] && continue
  t_bin=$bin
  [[ $t = base* ]] && t_bin=$BASE_BIN
  log_settings=(LOG_LEVEL=warn ACCESS_LOG=false)
  [[ $t = *-logs ]] && log_settings=(LOG_LEVEL=info ACCESS_LOG=true)
  port=$(free_port)
  # shellcheck disable=SC2046
  env HOST=127.0.0.1 PORT="$port" "${log_settings[@]}" THREADS=1 \
    GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" $(valgrind_args "$t") "$t_bin/chat-gateway" \
    >"$work/access-$t.log" 2>"$work/valgrind-$t.log" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  # The first request goes upstream; every one after it is a hit.
  curl -sf "http://127.0.0.1:$port/chat" -H 'Content-Type: application/json' -d "$body" >/dev/null
  curl -sf -D - -o /dev/null "http://127.0.0.1:$port/chat" -H 'Content-Type: application/json' -d "$body" |
    grep -qi '^x-cache: HIT' || { echo "$t: the warm-up request was not a cache hit" >&2; exit 1; }
  ir=$(count "$t" "$pid" "http://127.0.0.1:$port/chat" "$root/tests/load/chat.lua")
  kill "$pid"
  name=$t
  [[ $t = *-logs ]] && name="${t%-logs}, logs on"
  printf '| %s /chat hit | %s | %.2fx |\n' "$name" "$ir" "$(echo "$ir / $n_ir" | bc -l)"
done
