#!/usr/bin/env bash
# Benchmark "cache hits with wrk" (docs/benchmarks.md): wrk posts one cached question to the gateway
# (tests/load/chat.lua, keep-alive), then fetches the same JSON body from nginx twice - as a static
# file (sendfile) and with `return 200 '...'` from its configuration (its fastest reply) - with the
# same wrk threads, connections and duration and the same number of server threads, in the same run.
# Prints requests/s, p50 and p99 of each and the ratios.
# With LOGS=1 (the default) each round also measures the logs' cost (issue 38): a second gateway
# with the default settings (LOG_LEVEL=info, ACCESS_LOG=true: one JSON line per request on stdout,
# to a file) against nginx's `return 200` writing its own access log (default format, to a file).
#
#   tests/load/cache-hit-vs-nginx.sh            # defaults below; override with the variables
#   CONNECTIONS=64 DURATION=10s WRK_THREADS=1 SERVER_THREADS=1 ROUNDS=2 tests/load/cache-hit-vs-nginx.sh
#
# On a 2-core machine wrk, the gateway and nginx share the cores: read the ratio, not the absolutes.
source "$(dirname "$0")/common.sh"
connections=${CONNECTIONS:-64}
duration=${DURATION:-10s}
wrk_threads=${WRK_THREADS:-1}
server_threads=${SERVER_THREADS:-1}
rounds=${ROUNDS:-2}
question=${QUESTION:-BIST 100 nedir?}
logs=${LOGS:-1}

# groq-sim over plain HTTP: only the first request reaches it. The gateway writes no line per
# request (LOG_LEVEL=warn ACCESS_LOG=false, see common.sh), like nginx with access_log off.
start_sim
start_gateway GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" THREADS="$server_threads"

body=$(QUESTION="$question" python3 -c 'import json, os; print(json.dumps({"question": os.environ["QUESTION"]}))')
curl -sf "http://127.0.0.1:$gw_port/chat" -H 'Content-Type: application/json' -d "$body" >/dev/null
mkdir -p "$work/www"
hit_headers=$(curl -sf -D - -o "$work/www/answer.json" "http://127.0.0.1:$gw_port/chat" \
  -H 'Content-Type: application/json' -d "$body")
grep -qi '^x-cache: HIT' <<<"$hit_headers" || { echo "the warm-up request was not a cache hit" >&2; exit 1; }

# The same with the default log settings (an access line per request), warmed up the same way.
if [ "$logs" = 1 ]; then
  quiet_port=$gw_port
  quiet_pid=$gw_pid
  start_gateway GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" THREADS="$server_threads" \
    LOG_LEVEL=info ACCESS_LOG=true
  logged_port=$gw_port
  logged_pid=$gw_pid
  gw_port=$quiet_port
  gw_pid=$quiet_pid
  curl -sf "http://127.0.0.1:$logged_port/chat" -H 'Content-Type: application/json' -d "$body" >/dev/null
  curl -sf -D - -o /dev/null "http://127.0.0.1:$logged_port/chat" -H 'Content-Type: application/json' \
    -d "$body" | grep -qi '^x-cache: HIT' || { echo "the logged gateway's warm-up was not a hit" >&2; exit 1; }
fi

start_nginx_static "$server_threads"
cmp -s <(curl -sf "http://127.0.0.1:$ng_port/answer.json") "$work/www/answer.json" \
  || { echo "nginx does not serve the cached body" >&2; exit 1; }
start_nginx_return "$server_threads" "$work/www/answer.json"
cmp -s <(curl -sf "http://127.0.0.1:$ngr_port/") "$work/www/answer.json" \
  || { echo "nginx's return 200 is not the cached body" >&2; exit 1; }
if [ "$logs" = 1 ]; then
  plain_port=$ngr_port
  NGINX_ACCESS_LOG="$work/nginx-access.log" start_nginx_return "$server_threads" "$work/www/answer.json"
  ngl_port=$ngr_port
  ngr_port=$plain_port
fi

# wrk's latency lines ("50%  1.23ms") to milliseconds.
to_ms() { awk '{v=$2; u=v; gsub(/[0-9.]/,"",u); gsub(/[a-z]/,"",v); f=(u=="us")?0.001:(u=="s")?1000:1; printf "%.3f", v*f}'; }
# The CPU time (user + system, all threads) and context switches a process has had so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}'; }
# measure_gateway NAME URL PID: measure, plus the gateway's CPU microseconds and context switches
# per request over the run - what the log costs the gateway itself, which the machine's noise
# (wrk and nginx share its cores) hides less than requests/s do.
measure_gateway() {
  local t0 s0 out
  t0=$(cpu_ticks "$3")
  s0=$(switches "$3")
  out=$(measure "$1" "$2" "$root/tests/load/chat.lua")
  awk -v o="$out" -v t=$(($(cpu_ticks "$3") - t0)) -v s=$(($(switches "$3") - s0)) -v hz="$(getconf CLK_TCK)" \
    -v n="$(awk '/requests in/ {print $1}' "$work/wrk-last.txt")" \
    'BEGIN {printf "%s %.1f %.2f\n", o, t / hz * 1e6 / n, s / n}'
}
measure() {  # name url [lua]
  local out
  if [ -n "${3:-}" ]; then
    out=$(QUESTION="$question" wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency -s "$3" "$2")
  else
    out=$(wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency "$2")
  fi
  echo "$out" >"$work/wrk-last.txt"
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then echo "$out" >&2; echo "$1: errors during the run" >&2; exit 1; fi
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(grep -E '^ +50%' <<<"$out" | to_ms)
  p99=$(grep -E '^ +99%' <<<"$out" | to_ms)
  echo "$1 $rps $p50 $p99"
}

echo "machine: $(nproc) cores, $(uname -r); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); nginx $(nginx -v 2>&1 | cut -d/ -f2)"
echo "settings: $connections connections, $wrk_threads wrk thread(s), $server_threads server thread(s)/worker(s), $duration per run, $rounds round(s), body $(stat -c %s "$work/www/answer.json") bytes"
printf '%-6s %-16s %12s %9s %9s %11s %9s\n' round server "requests/s" "p50 ms" "p99 ms" "cpu us/req" "csw/req"
for round in $(seq "$rounds"); do
  g=$(measure_gateway gateway "http://127.0.0.1:$gw_port/chat" "$gw_pid")
  n=$(measure nginx "http://127.0.0.1:$ng_port/answer.json")
  nr=$(measure nginx-return "http://127.0.0.1:$ngr_port/")
  read -r _ g_rps g_p50 g_p99 g_cpu g_sw <<<"$g"
  read -r _ n_rps n_p50 n_p99 <<<"$n"
  read -r _ r_rps r_p50 r_p99 <<<"$nr"
  printf '%-6s %-16s %12s %9s %9s %11s %9s\n' "$round" "gateway (hit)" "$g_rps" "$g_p50" "$g_p99" "$g_cpu" "$g_sw"
  printf '%-6s %-16s %12s %9s %9s\n' "$round" "nginx (static)" "$n_rps" "$n_p50" "$n_p99"
  printf '%-6s %-16s %12s %9s %9s\n' "$round" "nginx (return)" "$r_rps" "$r_p50" "$r_p99"
  awk -v g="$g_rps" -v n="$n_rps" -v m="$r_rps" -v r="$round" \
    'BEGIN {printf "%-6s ratio gateway/nginx requests/s: %.2f (static), %.2f (return 200)\n", r, g/n, g/m}'
  if [ "$logs" = 1 ]; then
    gl=$(measure_gateway gateway-logged "http://127.0.0.1:$logged_port/chat" "$logged_pid")
    nl=$(measure nginx-logged "http://127.0.0.1:$ngl_port/")
    read -r _ gl_rps gl_p50 gl_p99 gl_cpu gl_sw <<<"$gl"
    read -r _ nl_rps nl_p50 nl_p99 <<<"$nl"
    printf '%-6s %-16s %12s %9s %9s %11s %9s\n' "$round" "gateway (logs)" "$gl_rps" "$gl_p50" "$gl_p99" "$gl_cpu" "$gl_sw"
    printf '%-6s %-16s %12s %9s %9s\n' "$round" "nginx (ret+log)" "$nl_rps" "$nl_p50" "$nl_p99"
    awk -v g="$gl_rps" -v n="$nl_rps" -v q="$g_rps" -v m="$r_rps" -v r="$round" \
      'BEGIN {printf "%-6s ratio with logs on at both: %.2f; gateway logs on/off: %.2f, nginx: %.2f\n", r, g/n, g/q, n/m}'
  fi
done
if [ "$logs" = 1 ]; then
  echo "access lines: gateway $(wc -l <"$work/gateway-$logged_port.out"), nginx $(wc -l <"$work/nginx-access.log")"
  grep -h "line(s) dropped" "$work/gateway-$logged_port.out" | tail -1 || true
fi

# Open loop (chat-bench): the same cached question at fixed rates below saturation, at most
# $connections connections - the latency wrk's closed loop cannot show (see docs/benchmarks.md).
echo
echo "open loop, cache hits, at most $connections connections, 10 s per rate (chat-bench)"
printf '%-10s %12s %9s %9s %9s %8s\n' "rate" "achieved/s" "p50 ms" "p99 ms" "p99.9 ms" failed
for rate in ${OPEN_LOOP_RATES-5000 10000 20000}; do  # OPEN_LOOP_RATES= : none
  "$bin/chat-bench" --rate "$rate" --concurrency "$connections" --duration 10 --warmup 2 --repeat 1 --hot 1 \
    --json "$work/open-$rate.json" "http://127.0.0.1:$gw_port/chat" >/dev/null
  python3 - "$work/open-$rate.json" "$rate" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["latency_ms"]["total"]
print(f'{sys.argv[2]:<10} {r["requests"]["throughput_rps"]:12.0f} {t["p50"]:9.3f} {t["p99"]:9.3f} {t["p99.9"]:9.3f} {r["requests"]["failed"]:8d}')
PY
done
