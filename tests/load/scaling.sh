#!/usr/bin/env bash
# Benchmark 6 (docs/benchmarks.md): cost as the work grows.
#   a. micro-benchmarks (tests/microbench/microbench.cpp): a cache lookup at 100 to 100,000 entries beside
#      a plain std::unordered_map of the same size (the reference), and the per-token cost of parsing
#      a relayed stream and of replaying a cached answer, 100 to 4,000 tokens;
#   b. end to end, answer length: groq-sim answers TOKENS_LIST tokens with no delay, streamed through
#      the gateway and through nginx (the reference) by chat-bench; CPU time per token of each
#      (from /proc) and the gateway's peak RSS;
#   c. end to end, cache size: the gateway's cache filled with N answers, then hit latency at a fixed
#      rate and resident memory per entry.
#
#   tests/load/scaling.sh
#   TOKENS_LIST="100 1000 4000" CACHE_SIZES="100 10000 100000" tests/load/scaling.sh
source "$(dirname "$0")/common.sh"
tokens_list=${TOKENS_LIST:-100 500 1000 4000}
cache_sizes=${CACHE_SIZES:-100 1000 10000 100000}
requests=${REQUESTS:-400}
microbench=${MICROBENCH:-$root/build/release/tests/gateway_microbench}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, in clock ticks
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
machine_line

echo
echo "## a. micro-benchmarks"
"$microbench" --benchmark_format=json --benchmark_min_time=0.3 >"$work/micro.json" 2>/dev/null
python3 - "$work/micro.json" <<'PY'
import json, sys
rows = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
print("| cache entries | gateway cache find ns | std::unordered_map find ns | ratio |")
print("|---|---|---|---|")
for n in (100, 1000, 10000, 100000):
    g, m = rows[f"cache_find/{n}"]["cpu_time"], rows[f"unordered_map_find/{n}"]["cpu_time"]
    print(f"| {n:,} | {g:.1f} | {m:.1f} | {g/m:.2f} |")
print()
print("| answer tokens | relay parse ns/token | OpenAI replay ns/token | /chat replay ns/token |")
print("|---|---|---|---|")
for n in (100, 500, 1000, 4000):
    per = lambda name: rows[f"{name}/{n}"]["cpu_time"] / n
    print(f"| {n:,} | {per('relay_parse'):.1f} | {per('replay_openai'):.1f} | {per('replay_chat'):.1f} |")
PY

echo
echo "## b. answer length: $requests streamed answers per row, 8 concurrent, no pacing"
echo "| tokens | gateway CPU us/token | nginx CPU us/token | ratio | gateway peak RSS | failed (gateway, nginx) |"
echo "|---|---|---|---|---|---|"
for tokens in $tokens_list; do
  start_sim --tokens "$tokens"
  start_gateway GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" THREADS=1 CACHE_ENABLED=false
  start_nginx_proxy "$sim_port" 1
  ng_worker=$(pgrep -P "$(cat "$work/nginx/nginx.pid")" | head -n 1)
  g0=$(cpu_ticks "$gw_pid")
  bench "len-$tokens-gw" --concurrency 8 --requests "$requests" --warmup 0 --stream "http://127.0.0.1:$gw_port/v1/chat/completions" 2>/dev/null
  g1=$(cpu_ticks "$gw_pid")
  n0=$(cpu_ticks "$ng_worker")
  bench "len-$tokens-ng" --concurrency 8 --requests "$requests" --warmup 0 --stream "http://127.0.0.1:$ng_port/openai/v1/chat/completions" 2>/dev/null
  n1=$(cpu_ticks "$ng_worker")
  awk -v g=$((g1 - g0)) -v n=$((n1 - n0)) -v hz="$hz" -v t=$((tokens * requests)) -v rss="$(hwm_kib "$gw_pid")" \
    -v tok="$tokens" -v fg="$(field "len-$tokens-gw" requests failed)" -v fn="$(field "len-$tokens-ng" requests failed)" 'BEGIN {
      gu = g / hz * 1e6 / t; nu = n / hz * 1e6 / t
      printf "| %d | %.2f | %.2f | %.2f | %.1f MiB | %d, %d |\n", tok, gu, nu, (nu > 0 ? gu / nu : 0), rss / 1024, fg, fn }'
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
done

echo
echo "## c. cache size: fill with N answers (/chat, JSON), then hits at 2,000 req/s"
echo "| entries | RSS before | RSS filled | per entry | hit p50 ms | hit p99 ms | cache hits counted | failed |"
echo "|---|---|---|---|---|---|---|---|"
for n in $cache_sizes; do
  start_sim
  # Room for twice the entries: a full LRU shard scanned in insertion order would miss on every key.
  start_gateway GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" THREADS=1 CACHE_MAX_ENTRIES=$((2 * n)) \
    CACHE_MAX_BYTES=4294967296 CACHE_TTL=3600
  before=$(rss_kib "$gw_pid")
  bench "fill-$n" --rate 5000 --requests "$n" --warmup 0 --seed 7 "http://127.0.0.1:$gw_port/chat" 2>/dev/null
  filled=$(rss_kib "$gw_pid")
  hits=$(( n < 20000 ? n : 20000 ))
  # The same seed asks the same questions in the same order: every request is a hit.
  bench "hit-$n" --rate 2000 --requests "$hits" --warmup 0 --seed 7 "http://127.0.0.1:$gw_port/chat" 2>/dev/null
  metrics=$(curl -sf "http://127.0.0.1:$gw_port/metrics")
  entries=$(awk '/^gateway_cache_entries / {print $2}' <<<"$metrics")
  cache_hits=$(awk '/^gateway_cache_hits_total / {print $2}' <<<"$metrics")
  awk -v n="$n" -v b="$before" -v f="$filled" -v e="${entries:-0}" -v p50="$(field "hit-$n" latency_ms total p50)" \
    -v p99="$(field "hit-$n" latency_ms total p99)" -v m="${cache_hits:-0}" \
    -v fail="$(field "hit-$n" requests failed)" 'BEGIN {
      printf "| %d (%d cached) | %.1f MiB | %.1f MiB | %.2f KiB | %s | %s | %d | %d |\n", n, e, b/1024, f/1024, (f-b)/(e>0?e:1), p50, p99, m, fail }'
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
done
