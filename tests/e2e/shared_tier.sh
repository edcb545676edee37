#!/usr/bin/env bash
# Several instances, one Redis: Debian's redis-server, three gateway processes behind nginx
# (nginx/cluster-upstream.conf + nginx/chat-gateway.conf) and groq-sim.
#   - an answer stored through one instance is a HIT on the others (a similar question too);
#     groq-sim saw one call; it survives a restart of the gateways;
#   - RATE_LIMIT_RPM=10 for one client spread over three instances: exactly 10 answered, the rest
#     429 with Retry-After and x-ratelimit-* on whichever instance they hit;
#     X-Forwarded-For from a trusted proxy names the client;
#   - Redis killed (kill -9) under JSON and streaming load: no client error; restarted: shared hits resume;
#   - Redis frozen (SIGSTOP): requests are answered, at most a few commands wait out REDIS_TIMEOUT
#     before the connection is given up (counted, not timed); SIGCONT: shared hits resume;
#   - 30 identical streamed questions over the three instances: one upstream call, every client
#     sees the first delta while the upstream is held, all get the same complete answer;
#   - the leading instance killed mid-stream: its followers end with an error event, no hang.
#   tests/e2e/shared_tier.sh GATEWAY_BIN SIM_BIN
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
gateway_bin=$1
sim_bin=$2
{ command -v nginx && command -v redis-server; } >/dev/null || "$root/docker/install-deps.sh"
dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
redis_pid=""
cleanup() {
  [ -n "$redis_pid" ] && kill -CONT "$redis_pid" 2>/dev/null
  for p in "${pids[@]}" $redis_pid; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$dir"/*.log; do echo "--- $f"; tail -n 30 "$f"; done
  exit 1
}
source "$root/tests/e2e/lib.sh"

redis_port=$(free_port)
start_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    >>"$dir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && return; sleep 0.05; done
  fail "redis-server did not start"
}
start_redis

"$sim_bin" --port 0 --ttft-ms 5 --interval-ms 2 >"$dir/sim.out" 2>"$dir/sim.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "groq-sim port" "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
sim_port=$(awk '/groq-sim port/ {print $3}' "$dir/sim.out")
[ -n "$sim_port" ] || fail "groq-sim did not start"
sim_stat() { curl -sf "http://127.0.0.1:$sim_port/sim/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# start_gateway NAME ENV...: one of the instances, on this Redis and groq-sim; sets port_NAME.
gw_pids=()
start_gateway() {
  local name=$1; shift
  start_gateway_as "$gateway_bin" "$dir" "$name" GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" \
    REDIS_URL="redis://127.0.0.1:$redis_port" UPSTREAM_MAX_RETRIES=0 THREADS=1 ACCESS_LOG=false "$@" \
    || fail "gateway $name did not start"
}
metric() {  # metric PORT NAME: the value of an unlabelled sample
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n {print $2}'
}
dbsize() { redis-cli -p "$redis_port" dbsize; }
ask_stored() {  # ask_stored PORT QUESTION: asks, then waits until the answer is in Redis (stores do not wait)
  local before
  before=$(dbsize)
  [ "$(ask "$1" "$2")" = MISS ] || fail "'$2' should be a miss on $1"
  for _ in $(seq 100); do [ "$(dbsize)" -gt "$before" ] && return; sleep 0.02; done
  fail "the answer to '$2' never reached Redis"
}
wait_redis_up() {
  for p in "$@"; do
    for _ in $(seq 200); do [ "$(metric "$p" gateway_redis_up)" = 1 ] && continue 2; sleep 0.05; done
    fail "the gateway on $p did not (re)connect to Redis"
  done
}
ask() {  # ask PORT QUESTION: prints the X-Cache header; fails on anything but 200
  local out
  out=$(curl -sS -D - -o "$dir/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"question\": \"$2\"}" "http://127.0.0.1:$1/chat") || fail "curl to $1 failed"
  [ "${out: -3}" = 200 ] || fail "HTTP ${out: -3} from $1 for '$2': $(cat "$dir/body")"
  tr -d '\r' <<<"$out" | awk -F': ' 'tolower($1) == "x-cache" {print $2}'
}

start_gateway a
start_gateway b
start_gateway c
wait_redis_up "$port_a" "$port_b" "$port_c"

# 1. One instance stores, the others hit; a similar question too; a restart keeps it.
calls=$(sim_stat completions)
ask_stored "$port_a" "BIST 100 nedir?"
[ -n "$(redis-cli -p "$redis_port" --scan --pattern 'cgw:{*}:a')" ] || fail "no cgw:{KEY}:a key in Redis"
[ "$(ask "$port_b" "BIST 100 nedir?")" = HIT ] || fail "instance b did not hit what a stored"
[ "$(ask "$port_c" "BIST 100 ne demek?")" = HIT ] || fail "instance c did not hit a similar question"
[ "$(sim_stat completions)" = $((calls + 1)) ] || fail "groq-sim saw $(( $(sim_stat completions) - calls )) calls, not 1"
[ "$(metric "$port_b" gateway_shared_cache_hits_total)" = 1 ] || fail "b does not count its shared hit"
kill "${gw_pids[0]}"; wait "${gw_pids[0]}" 2>/dev/null || true
start_gateway a2
wait_redis_up "$port_a2"
[ "$(ask "$port_a2" "BIST 100 nedir?")" = HIT ] || fail "a restarted gateway lost the shared answer"
# Through nginx in front of the three (nginx/cluster-upstream.conf): a hit whichever instance answers.
ng_port=$(free_port)
{
  sed -e "s/127.0.0.1:8001/127.0.0.1:$port_a2/" -e "s/127.0.0.1:8002/127.0.0.1:$port_b/" \
      -e "s/127.0.0.1:8003/127.0.0.1:$port_c/" "$root/nginx/cluster-upstream.conf"
  sed -e '/^upstream chat_gateway {/,/^}/d' -e "s/listen 80;/listen 127.0.0.1:$ng_port;/" "$root/nginx/chat-gateway.conf"
} >"$dir/site.conf"
run_nginx "$dir"
pids+=("$nginx_pid")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ng_port/healthz" >/dev/null && break; sleep 0.05; done
for i in $(seq 6); do
  [ "$(ask "$ng_port" "BIST 100 nedir?")" = HIT ] || fail "through nginx, request $i was not a hit"
done
[ "$(sim_stat completions)" = $((calls + 1)) ] || fail "groq-sim was called again"
echo "shared tier: cross-instance hits ok"

# 2. One client, 15 requests over three instances, RATE_LIMIT_RPM=10 -> exactly 10 answered.
# REDIS_TIMEOUT=2000: a check that waits longer than REDIS_TIMEOUT is decided by the instance alone
# (by design, docs/api.md), and a slow build (ASan) must not turn that into a 11th answer here.
limited_env="RATE_LIMIT_RPM=10 TRUSTED_PROXIES=127.0.0.1 REDIS_TIMEOUT=2000"
start_gateway l1 $limited_env
start_gateway l2 $limited_env
start_gateway l3 $limited_env
wait_redis_up "$port_l1" "$port_l2" "$port_l3"
ok=0 limited=0
for i in $(seq 15); do
  case $((i % 3)) in 0) p=$port_l1 ;; 1) p=$port_l2 ;; *) p=$port_l3 ;; esac
  code=$(curl -sS -D "$dir/h$i" -o "$dir/b$i" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H 'X-Forwarded-For: 203.0.113.7' -d '{"question": "Temettü nedir?"}' "http://127.0.0.1:$p/chat")
  if [ "$code" = 200 ]; then ok=$((ok + 1)); continue; fi
  [ "$code" = 429 ] || fail "request $i: HTTP $code"
  limited=$((limited + 1))
  grep -qi '^retry-after: [1-9]' "$dir/h$i" || fail "429 without Retry-After"
  grep -qi '^x-ratelimit-limit-requests: 10' "$dir/h$i" || fail "429 without x-ratelimit-limit-requests"
  grep -qi '^x-ratelimit-remaining-requests: 0' "$dir/h$i" || fail "429 without x-ratelimit-remaining-requests"
  grep -qi '^x-ratelimit-reset-requests: ' "$dir/h$i" || fail "429 without x-ratelimit-reset-requests"
  grep -q '"code":"rate_limited"' "$dir/b$i" || fail "429 body: $(cat "$dir/b$i")"
done
local_checks() { curl -sf "http://127.0.0.1:$1/metrics" | awk '$1 == "gateway_rate_limit_checks_total{decided=\"local\"}" {print $2}'; }
decided_alone=$(( $(local_checks "$port_l1") + $(local_checks "$port_l2") + $(local_checks "$port_l3") ))
[ "$ok" = 10 ] && [ "$limited" = 5 ] || fail "RATE_LIMIT_RPM=10: $ok answered, $limited limited ($decided_alone checks decided without Redis)"
[ "$decided_alone" = 0 ] || fail "$decided_alone checks were decided without Redis"
# Another client (another forwarded address) has its own budget; a forged header from an
# untrusted peer would not help: only 127.0.0.1 is trusted, and it is the peer here.
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H 'X-Forwarded-For: 203.0.113.8' \
  -d '{"question": "Temettü nedir?"}' "http://127.0.0.1:$port_l1/chat")
[ "$code" = 200 ] || fail "another client was limited too ($code)"
echo "shared tier: rate limit across instances ok"

# 3. Redis killed under load: every request answered; restarted: shared hits resume.
load() {  # load N PORTS...: N rounds of one JSON and one streamed question per port
  local n=$1; shift
  for i in $(seq "$n"); do
    for p in "$@"; do
      curl -sS -f -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"question\": \"Yük sorusu $i $p\"}" "http://127.0.0.1:$p/chat" || echo "json $i $p failed"
      curl -sS -f -N -H 'Content-Type: application/json' \
        -d "{\"question\": \"Akış sorusu $i $p\", \"stream\": true}" "http://127.0.0.1:$p/chat" >"$dir/s-$i-$p" \
        || echo "stream $i $p failed"
      grep -q 'data: \[DONE\]' "$dir/s-$i-$p" || echo "stream $i $p incomplete"
    done
  done
}
load 40 "$port_a2" "$port_b" "$port_c" >"$dir/load.out" 2>&1 &
load_pid=$!
for _ in $(seq 250); do [ "$(ls "$dir" | grep -c "^s-")" -ge 6 ] && break; sleep 0.02; done  # mid-load
kill -9 "$redis_pid"; wait "$redis_pid" 2>/dev/null || true
redis_pid=""
wait "$load_pid" || true
[ ! -s "$dir/load.out" ] || fail "requests failed while Redis died: $(head -5 "$dir/load.out")"
start_redis
wait_redis_up "$port_a2" "$port_b" "$port_c"
ask_stored "$port_a2" "Altın nedir?"
[ "$(ask "$port_c" "Altın nedir?")" = HIT ] || fail "shared hits did not resume after Redis came back"
echo "shared tier: Redis killed and back ok"

# 4. Redis frozen: misses are still answered, and only the first few commands wait out
#    REDIS_TIMEOUT (50 ms): after three of them in a row (redis_config::stall_timeouts) the
#    connection is given up, the shared tier counts as down and the requests after that send Redis
#    nothing (the reconnect's handshake to the frozen server times out on its own, on no request's
#    time). Asserted on the gateway's command count, which is exact; the wall times are printed
#    only, a timing on 2 shared cores being no test.
timeouts() {  # timeouts PORT: gateway_redis_commands_total{outcome="timeout"}
  curl -sf "http://127.0.0.1:$1/metrics" |
    awk '$1 == "gateway_redis_commands_total{outcome=\"timeout\"}" {t = $2} END {print t + 0}'
}
time_asks() {  # time_asks PORT TAG: milliseconds for 20 sequential misses (each must be a 200)
  local start end
  start=$(date +%s%N)
  for i in $(seq 20); do ask "$1" "Donma sorusu $2 $i" >/dev/null; done
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
normal=$(time_asks "$port_b" normal)
before=$(timeouts "$port_b")
kill -STOP "$redis_pid"
frozen=$(time_asks "$port_b" frozen)
timed_out=$(( $(timeouts "$port_b") - before ))
up_while_frozen=$(metric "$port_b" gateway_redis_up)
kill -CONT "$redis_pid"
echo "shared tier: Redis frozen: 20 misses answered, $timed_out commands waited out REDIS_TIMEOUT" \
  "(20 misses took $normal ms with Redis, $frozen ms frozen)"
# One request at a time, so at most the stall count (3) plus the commands one request has in
# flight together (a lookup and its store) can time out before the connection is given up.
[ "$timed_out" -ge 1 ] || fail "no command waited for the frozen Redis: was it frozen?"
[ "$timed_out" -le 5 ] || fail "$timed_out commands waited out REDIS_TIMEOUT: the frozen connection was not given up"
[ "$up_while_frozen" = 0 ] || fail "gateway_redis_up is '$up_while_frozen' with Redis frozen"
# Every instance, not only the one asked: the others' own Redis commands (the stream reader's
# blocking read, the flights' heartbeats) may have given the frozen connection up too, and a
# flight below needs all three back.
wait_redis_up "$port_a2" "$port_b" "$port_c"
ask_stored "$port_b" "Çözülme sorusu"
[ "$(ask "$port_c" "Çözülme sorusu")" = HIT ] || fail "shared hits did not resume after SIGCONT"

# 5. 30 identical streamed questions over three instances while the upstream is held after its
#    first token: one upstream call; each client sees the first delta before the rest exists, and
#    all get the same complete answer.
open_gate() { curl -sf -X POST "http://127.0.0.1:$sim_port/sim/gates/$1/open" >/dev/null; }
stream_to() {  # stream_to PORT QUESTION FILE
  curl -sS -N --max-time 30 -H 'Content-Type: application/json' \
    -d "{\"question\": \"$2\", \"stream\": true}" "http://127.0.0.1:$1/chat" >"$3" 2>&1
}
wait_active() {  # wait_active N: groq-sim has N streams open
  for _ in $(seq 250); do [ "$(sim_stat active_streams)" = "$1" ] && return; sleep 0.02; done
  fail "groq-sim has $(sim_stat active_streams) streams open, not $1"
}
has_delta() { grep -q '^data: {"delta"' "$1" 2>/dev/null; }
started=$(sim_stat streams_started)
# A claim that gets no reply within REDIS_TIMEOUT leaves its instance to answer alone (by design:
# Redis never decides whether a request is answered); on a loaded machine one can. Each extra
# upstream stream below must be matched by such a timeout, or the flight was not shared.
all_timeouts() { echo $(( $(timeouts "$port_a2") + $(timeouts "$port_b") + $(timeouts "$port_c") )); }
timeouts_before=$(all_timeouts)
q="Kripto para nedir? [[sim gate=shared30 tokens=40]]"
stream_to "$port_a2" "$q" "$dir/c0" &
clients=($!)
wait_active 1
ports=("$port_a2" "$port_b" "$port_c")
for i in $(seq 1 29); do
  stream_to "${ports[$((i % 3))]}" "$q" "$dir/c$i" &
  clients+=($!)
done
for i in $(seq 0 29); do
  for _ in $(seq 250); do has_delta "$dir/c$i" && continue 2; sleep 0.02; done
  fail "client $i saw no delta while the upstream was held: $(cat "$dir/c$i")"
done
extra=$(( $(sim_stat streams_started) - started - 1 ))
late=$(( $(all_timeouts) - timeouts_before ))
[ "$extra" -le "$late" ] || fail "groq-sim started $((extra + 1)) streams, not 1 ($late Redis commands timed out meanwhile)"
[ "$extra" -eq 0 ] || echo "shared tier: $extra more upstream stream(s), each after a Redis command timed out ($late)"
open_gate shared30
for p in "${clients[@]}"; do wait "$p" || fail "a coalesced client failed"; done
python3 - "$dir" <<'PY' || fail "the 30 answers differ or are incomplete"
import json, sys
texts = set()
for i in range(30):
    lines = open(f"{sys.argv[1]}/c{i}", encoding="utf-8").read().split("\n")
    events = [l[6:] for l in lines if l.startswith("data: ")]
    assert events[-1] == "[DONE]", (i, events[-3:])
    assert json.loads(events[-2]).get("done") is True, (i, events[-2])
    texts.add("".join(json.loads(e).get("delta", "") for e in events[:-2]))
assert len(texts) == 1 and len(next(iter(texts))) > 100, texts
PY
[ "$(sim_stat streams_started)" = $((started + 1 + extra)) ] || fail "groq-sim was called again after the gate opened"
followed=$(( $(metric "$port_b" gateway_shared_followers_total) + $(metric "$port_c" gateway_shared_followers_total) ))
[ "$followed" -ge $((2 - extra)) ] || fail "instances b and c did not follow a's stream ($followed)"
echo "shared tier: 30 streams over three instances, one upstream call ok"

# 6. The leading instance killed mid-stream: its followers elsewhere end with an error event
#    (no done, no [DONE]) within the leader timeout (3 s), never a hang.
#    As in 5, a claim that gets no Redis reply in time leaves its instance to answer alone, with an
#    upstream stream of its own that groq-sim's gate holds, not a2's: such clients are not a2's
#    followers. So every client must either end with an error event within the bound, or - only
#    when groq-sim started a stream for it, matched by a Redis timeout - be answered whole once
#    the gate opens. A follower of the dead leader can never end with [DONE].
q="Tahvil faizi nedir? [[sim gate=leader-dies tokens=40]]"
started=$(sim_stat streams_started)
timeouts_before=$(all_timeouts)
declare -A port_timeouts_before=(["$port_b"]=$(timeouts "$port_b") ["$port_c"]=$(timeouts "$port_c"))
stream_to "$port_a2" "$q" "$dir/k0" &
wait_active 1
followers=()
for i in 1 2 3 4; do
  stream_to "${ports[$((1 + i % 2))]}" "$q" "$dir/k$i" &
  followers+=($!)
done
for i in 1 2 3 4; do
  for _ in $(seq 250); do has_delta "$dir/k$i" && continue 2; sleep 0.02; done
  fail "follower $i saw no delta: $(cat "$dir/k$i")"
done
extra=$(( $(sim_stat streams_started) - started - 1 ))
late=$(( $(all_timeouts) - timeouts_before ))
[ "$extra" -le "$late" ] || fail "groq-sim started $((extra + 1)) streams, not 1 ($late Redis commands timed out meanwhile)"
has_error() { grep -q '^data: {"error"' "$1" 2>/dev/null; }
killed_at=$(date +%s%N)
{ kill -9 "${gw_pids[3]}"; wait "${gw_pids[3]}"; } 2>/dev/null || true
since_kill() { echo $(( ($(date +%s%N) - killed_at) / 1000000 )); }
while :; do
  ended=()
  for i in 1 2 3 4; do has_error "$dir/k$i" && ended+=("$i"); done
  [ "${#ended[@]}" -eq 4 ] && break
  [ "$(since_kill)" -ge 8000 ] && break
  sleep 0.02
done
took=$(since_kill)
[ "${#ended[@]}" -gt 0 ] || fail "no follower ended with an error event within $took ms of the leader's death ($extra streams of their own)"
[ "${#ended[@]}" -eq 4 ] || [ "$extra" -gt 0 ] || fail "the followers took more than $took ms to learn that the leader died"
# Ended means the response is over too, within the same bound: never a hang after the event.
for i in "${ended[@]}"; do
  ! grep -q 'data: \[DONE\]' "$dir/k$i" || fail "follower $i claims a complete answer"
  while kill -0 "${followers[$((i - 1))]}" 2>/dev/null; do
    [ "$(since_kill)" -lt 8000 ] || fail "follower $i got its error event, but its response did not end within 8 s"
    sleep 0.02
  done
done
open_gate leader-dies
for p in "${followers[@]}"; do wait "$p" || true; done
for i in 1 2 3 4; do
  [[ " ${ended[*]} " == *" $i "* ]] && continue
  # Not a2's follower: its instance answered alone, on a stream of its own, now released - which
  # only a Redis command that timed out on that very instance can explain.
  p=${ports[$((1 + i % 2))]}
  [ "$(timeouts "$p")" -gt "${port_timeouts_before[$p]}" ] || fail "client $i did not end with an error event within $took ms of the leader's death, and no Redis command timed out on its instance"
  ! has_error "$dir/k$i" || fail "follower $i learnt that the leader died only after $took ms: $(tail -3 "$dir/k$i")"
  grep -q 'data: \[DONE\]' "$dir/k$i" || fail "client $i neither ended with an error event nor was answered whole: $(tail -3 "$dir/k$i")"
  echo "shared tier: client $i was answered alone (its instance's claim timed out), not a follower"
done
# No follower asked Groq itself once the leader was gone: the streams are a2's and the lone ones.
[ "$(sim_stat streams_started)" = $((started + 1 + extra)) ] || fail "groq-sim was called again after the leader died ($(sim_stat streams_started) streams, not $((started + 1 + extra)))"
echo "shared tier: leader killed, ${#ended[@]} of its followers ended with an error event within $took ms"
echo "shared tier: e2e passed"
