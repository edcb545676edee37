#!/usr/bin/env bash
# Benchmark "the shared tier" (docs/benchmarks.md), all rows in one run on this machine:
#   1. hits with wrk (keep-alive, closed loop): a local hit; a hit served from Redis after a local
#      miss (CACHE_MAX_ENTRIES=1 and QUESTIONS questions in turn, all stored in Redis first); nginx
#      serving the same bytes as a static file;
#   2. what Redis adds to a miss: chat-bench open loop at RATE req/s of new questions (each one
#      goes upstream), the gateway without REDIS_URL beside the same gateway with it, and the
#      Redis round trips the gateway measured itself (gateway_redis_command_seconds).
#   tests/load/shared-tier.sh      CONNECTIONS=64 DURATION=10s RATE=1000 SECONDS=10 QUESTIONS=64
source "$(dirname "$0")/common.sh"
command -v redis-server >/dev/null || "$root/docker/install-deps.sh"
connections=${CONNECTIONS:-64}
duration=${DURATION:-10s}
rate=${RATE:-1000}
seconds=${SECONDS_MISS:-10}
questions=${QUESTIONS:-64}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
start_sim --ttft-ms 0 --interval-ms 0 --tokens 48
upstream="http://127.0.0.1:$sim_port/openai/v1"
redis_url="redis://127.0.0.1:$redis_port"

to_ms() { awk '{v=$2; u=v; gsub(/[0-9.]/,"",u); gsub(/[a-z]/,"",v); f=(u=="us")?0.001:(u=="s")?1000:1; printf "%.3f", v*f}'; }
measure() {  # name url [lua]: requests/s p50 p99
  local out
  if [ -n "${3:-}" ]; then out=$(QUESTIONS="$questions" QUESTION="BIST 100 nedir?" wrk -t1 -c"$connections" -d"$duration" --latency -s "$3" "$2")
  else out=$(wrk -t1 -c"$connections" -d"$duration" --latency "$2"); fi
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then echo "$out" >&2; echo "$1: errors during the run" >&2; exit 1; fi
  printf '%-34s %12s %9s %9s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(grep -E '^ +50%' <<<"$out" | to_ms)" "$(grep -E '^ +99%' <<<"$out" | to_ms)"
}

machine_line
echo "settings: THREADS=1 gateways, nginx 1 worker, wrk 1 thread $connections connections $duration; misses: chat-bench $rate req/s for $seconds s"

# 1. Hits.
start_gateway GROQ_BASE_URL="$upstream" THREADS=1 REDIS_URL="$redis_url"
filler=$gw_port
for i in $(seq 0 $((questions - 1))); do
  curl -sf -o /dev/null "http://127.0.0.1:$filler/chat" -H 'Content-Type: application/json' -d "{\"question\": \"Soru $i nedir?\"}"
done
curl -sf -o /dev/null "http://127.0.0.1:$filler/chat" -H 'Content-Type: application/json' -d '{"question": "BIST 100 nedir?"}'
for _ in $(seq 100); do [ "$(redis-cli -p "$redis_port" dbsize)" -gt "$questions" ] && break; sleep 0.05; done
start_gateway GROQ_BASE_URL="$upstream" THREADS=1 REDIS_URL="$redis_url" CACHE_MAX_ENTRIES=1
tiny=$gw_port
mkdir -p "$work/www"
curl -sf -o "$work/www/answer.json" "http://127.0.0.1:$filler/chat" -H 'Content-Type: application/json' -d '{"question": "BIST 100 nedir?"}'
start_nginx_static 1
printf '%-34s %12s %9s %9s\n' "hits" "requests/s" "p50 ms" "p99 ms"
measure "local hit (gateway)" "http://127.0.0.1:$filler/chat" "$root/tests/load/chat.lua"
hits_before=$(curl -sf "http://127.0.0.1:$tiny/metrics" | awk '$1 == "gateway_shared_cache_hits_total" {print $2}')
measure "Redis hit, local miss (gateway)" "http://127.0.0.1:$tiny/chat" "$root/tests/load/rotate.lua"
hits_after=$(curl -sf "http://127.0.0.1:$tiny/metrics" | awk '$1 == "gateway_shared_cache_hits_total" {print $2}')
calls=$(curl -sf "http://127.0.0.1:$sim_port/sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["completions"])')
measure "nginx static file, same bytes" "http://127.0.0.1:$ng_port/answer.json"
echo "(the Redis-hit row: $((hits_after - hits_before)) hits served from Redis; groq-sim calls so far: $calls)"

# 2. Misses with and without the shared tier.
start_gateway GROQ_BASE_URL="$upstream" THREADS=1
alone=$gw_port
start_gateway GROQ_BASE_URL="$upstream" THREADS=1 REDIS_URL="$redis_url"
shared=$gw_port
bench miss-alone --rate "$rate" --duration "$seconds" "http://127.0.0.1:$alone/chat" 2>/dev/null
bench miss-shared --rate "$rate" --duration "$seconds" "http://127.0.0.1:$shared/chat" 2>/dev/null
printf '%-34s %9s %9s %9s %7s\n' "misses at $rate req/s" "p50 ms" "p99 ms" "p99.9 ms" failed
for n in miss-alone miss-shared; do
  printf '%-34s %9s %9s %9s %7s\n' "$n" "$(field "$n" latency_ms total p50)" "$(field "$n" latency_ms total p99)" \
    "$(field "$n" latency_ms total p99.9)" "$(field "$n" requests failed)"
done
curl -sf "http://127.0.0.1:$shared/metrics" | python3 -c '
import sys
buckets = []
for line in sys.stdin:
    if line.startswith("gateway_redis_command_seconds_bucket"):
        le = line.split("le=\"")[1].split("\"")[0]
        buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
total = buckets[-1][1]
def q(p):
    for le, n in buckets:
        if n >= p * total: return le * 1000
print(f"Redis round trips seen by the gateway: {int(total)} commands; p50 <= {q(0.5):.3g} ms, p99 <= {q(0.99):.3g} ms (histogram bucket bounds)")'
