#!/usr/bin/env bash
# Benchmark "several keys and fallback models" (docs/benchmarks.md): groq-sim limits every key x
# model to LIMIT requests a minute (Groq's windows, x-ratelimit-* on every answer); the gateway has
# two keys and two models (GROQ_API_KEYS, FALLBACK_MODELS), i.e. four routes, cache off, so every
# request goes upstream. chat-bench offers, open loop:
#   phase A: twice one key's limit (2 x LIMIT a minute) for PHASE_A seconds - the other key and
#            the fallback model have room, so no client may see a 429;
#   phase B: eight times one key's limit for PHASE_B seconds - past all four routes: the client
#            429s must be clean (the gateway's own, at once, with Retry-After) while the routes
#            still with budget keep answering.
# Reported per phase: 200s and 429s the clients saw, the upstream 429s groq-sim sent (goal: none -
# the gateway should never send a request its budget knows will be refused), requests per route,
# the 429s the gateway answered without an upstream call, and the exhausted/recovered log lines.
#   tests/load/route-budget.sh      LIMIT=300 PHASE_A=60 PHASE_B=30
source "$(dirname "$0")/common.sh"
limit=${LIMIT:-300}
phase_a=${PHASE_A:-60}
phase_b=${PHASE_B:-30}
fallback=llama-3.1-8b-instant

start_sim --api-key gsk-bench-one,gsk-bench-two --limit-requests "$limit/min" --ttft-ms 5 --interval-ms 1 --tokens 16
start_gateway GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" GROQ_API_KEYS=gsk-bench-one,gsk-bench-two \
  FALLBACK_MODELS="$fallback" CACHE_ENABLED=false THREADS=1 LOG_LEVEL=info
url="http://127.0.0.1:$gw_port/chat"

sim_stats() { curl -sf "http://127.0.0.1:$sim_port/sim/stats"; }
metric() { curl -sf "http://127.0.0.1:$gw_port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
errors_of() {  # NAME KIND: a count from chat-bench's errors, 0 when absent
  python3 -c 'import json, sys
print(json.load(open(sys.argv[1])).get("errors", {}).get(sys.argv[2], 0))' "$work/$1.json" "$2"
}

sim_stats >"$work/sim-0.json"
rate_a=$(python3 -c "print(round(2 * $limit / 60, 3))")
rate_b=$(python3 -c "print(round(8 * $limit / 60, 3))")
bench phase-a --rate "$rate_a" --duration "$phase_a" --warmup 0 --seed 1 "$url"
sim_stats >"$work/sim-a.json"
refused_a=$(metric gateway_upstream_spent_refusals_total)
bench phase-b --rate "$rate_b" --duration "$phase_b" --warmup 0 --seed 2 "$url"
sim_stats >"$work/sim-b.json"
refused_b=$(metric gateway_upstream_spent_refusals_total)

python3 - "$work" "$limit" "$rate_a" "$rate_b" "$phase_a" "$phase_b" "${refused_a:-0}" "${refused_b:-0}" <<'PY'
import json, sys
work, limit, rate_a, rate_b, pa, pb, ref_a, ref_b = sys.argv[1:]
sims = [json.load(open(f"{work}/sim-{n}.json")) for n in ("0", "a", "b")]
def delta(i, key):
    return sims[i][key] - sims[i - 1][key]
def routes(i):
    out = {}
    for name, n in sims[i]["by_route"].items():
        d = n - sims[i - 1]["by_route"].get(name, 0)
        if d: out[name] = d
    return ", ".join(f"key #{k.split(' ', 1)[0]} {k.split(' ', 1)[1]}: {v}" for k, v in sorted(out.items()))
print(f"\ngroq-sim: {limit} requests/min per key x model; gateway: 2 keys x 2 models, cache off\n")
print("| phase | offered | client 200 | client 429 | other errors | upstream 429s | 429s without an upstream call | requests per route |")
print("|---|---|---|---|---|---|---|---|")
for i, (name, rate, secs, refused) in enumerate([("A", rate_a, pa, int(ref_a)), ("B", rate_b, pb, int(ref_b) - int(ref_a))], start=1):
    r = json.load(open(f"{work}/phase-{name.lower()}.json"))
    errors = r.get("errors", {})
    c429 = errors.get("HTTP 429", 0)
    other = sum(v for k, v in errors.items() if k != "HTTP 429")
    ok = r["requests"]["ok"]
    print(f"| {name} | {rate} req/s for {secs} s | {ok} | {c429} | {other} | {delta(i, 'rate_limited')} | {refused} | {routes(i)} |")
PY
echo
echo "gateway log: $(grep -c 'exhausted' "$work/gateway-$gw_port.log" || true) 'exhausted' lines, $(grep -c 'recovered' "$work/gateway-$gw_port.log" || true) 'recovered' lines:"
grep -E 'exhausted|recovered' "$work/gateway-$gw_port.log" | head -20 || true
