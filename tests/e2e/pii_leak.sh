#!/usr/bin/env bash
# Personal data through the real executables (issue 37, "Done when"): two gateway instances on one
# Redis (Debian's redis-server) and groq-sim. Customers ask about their own IBAN, T.C. kimlik no,
# mobile number and e-mail, JSON and streamed, on /chat and /v1, across the instances (the second
# instance answers from what the first stored in Redis). Each gets their own values back; then a
# grep of everything the gateways and groq-sim wrote - logs at debug level, access logs, every key
# and stream in Redis, groq-sim's record - finds none of the identifiers.
#   tests/e2e/pii_leak.sh GATEWAY_BIN SIM_BIN
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
gateway_bin=$1
sim_bin=$2
command -v redis-server >/dev/null || "$root/docker/install-deps.sh"
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$dir"/*.log; do echo "--- $f"; tail -n 20 "$f"; done
  exit 1
}
source "$root/tests/e2e/lib.sh"

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done

"$sim_bin" --port 0 --ttft-ms 5 --interval-ms 2 >"$dir/sim.out" 2>"$dir/sim.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "groq-sim port" "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
sim_port=$(awk '/groq-sim port/ {print $3}' "$dir/sim.out")
[ -n "$sim_port" ] || fail "groq-sim did not start"

start() {  # start NAME: a gateway on this Redis and groq-sim, debug log and access log kept
  local name=$1 p=""
  env HOST=127.0.0.1 PORT=0 GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" \
    REDIS_URL="redis://127.0.0.1:$redis_port" THREADS=1 LOG_LEVEL=debug ACCESS_LOG=true \
    "$gateway_bin" >"$dir/$name.access.log" 2>"$dir/$name.log" &
  pids+=($!)
  for _ in $(seq 100); do
    p=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\);.*/\1/p' "$dir/$name.log" 2>/dev/null)
    [ -n "$p" ] && break
    sleep 0.05
  done
  [ -n "$p" ] || fail "gateway $name did not start"
  printf -v "port_$name" %s "$p"
}
start a
start b
for p in "$port_a" "$port_b"; do
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$p/metrics" | grep -q '^gateway_redis_up 1' && break
    sleep 0.05
  done
done

# Made-up customers (valid check digits): IBAN, TCKN, mobile, e-mail.
names=(ayse mehmet zeynep)
declare -A iban=([ayse]="TR61 0006 4069 7021 7387 9329 23" [mehmet]="tr69 0006 7068 5369 5276 5328 95" [zeynep]="TR190013408865160126434459")
declare -A tckn=([ayse]=29805781730 [mehmet]=56672016160 [zeynep]=94569959084)
declare -A phone=([ayse]="0532 123 45 67" [mehmet]="+90 541 765 43 21" [zeynep]=05551112233)
declare -A email=([ayse]=ayse.yilmaz@example.com [mehmet]=mehmet.kaya@ornek.net [zeynep]=zeynep_demir@firma.com.tr)
question() { echo "IBAN'ım ${iban[$1]}, TC ${tckn[$1]}, tel ${phone[$1]}, e-posta ${email[$1]}. EFT ne zaman geçer? $2"; }
echo_of() { echo "Yer tutucular: ${iban[$1]} ve ${tckn[$1]} ve ${phone[$1]} ve ${email[$1]}."; }
chat_json() { python3 -c 'import json,sys; print(json.dumps({"question": sys.argv[1], "stream": sys.argv[2] == "1"}))' "$1" "$2"; }
v1_json() { python3 -c 'import json,sys; print(json.dumps({"messages": [{"role": "user", "content": sys.argv[1]}], "stream": sys.argv[2] == "1"}))' "$1" "$2"; }
# The answer text of a /chat or /v1 reply, JSON or SSE.
text_of() {
  python3 -c '
import json, sys
body = sys.stdin.read()
if body.lstrip().startswith("{"):
    v = json.loads(body)
    print(v["answer"] if "answer" in v else v["choices"][0]["message"]["content"])
else:
    out = ""
    for line in body.split("\n"):
        if not line.startswith("data: ") or line == "data: [DONE]": continue
        v = json.loads(line[6:])
        if "delta" in v and isinstance(v["delta"], str): out += v["delta"]
        elif v.get("choices"): out += v["choices"][0].get("delta", {}).get("content") or ""
    print(out)'
}
ask() {  # ask PORT PATH BODY: the reply's answer text
  curl -sfN -H 'content-type: application/json' --data-binary "$3" "http://127.0.0.1:$1$2" | text_of
}
expect() {  # expect WHO GOT
  [ "$2" = "$(echo_of "$1")" ] || fail "$1 got '$2', not their own values"
}

# Instance a asks upstream and stores in Redis; instance b answers others from it.
expect ayse "$(ask "$port_a" /chat "$(chat_json "$(question ayse '[[sim echo=1]]')" 0)")"
for _ in $(seq 100); do [ "$(redis-cli -p "$redis_port" dbsize)" -gt 0 ] && break; sleep 0.02; done
expect mehmet "$(ask "$port_b" /chat "$(chat_json "$(question mehmet '[[sim echo=1]]')" 0)")"
expect zeynep "$(ask "$port_b" /chat "$(chat_json "$(question zeynep '[[sim echo=1]]')" 1)")"
# Live streams, /v1 too; the /v1 JSON request on instance a is answered from what b stored.
expect mehmet "$(ask "$port_a" /chat "$(chat_json "$(question mehmet 'Havale? [[sim echo=1]]')" 1)")"
expect zeynep "$(ask "$port_b" /v1/chat/completions "$(v1_json "$(question zeynep 'FAST? [[sim echo=1]]')" 1)")"
for _ in $(seq 100); do [ "$(redis-cli -p "$redis_port" dbsize)" -gt 2 ] && break; sleep 0.02; done
expect ayse "$(ask "$port_a" /v1/chat/completions "$(v1_json "$(question ayse 'FAST? [[sim echo=1]]')" 0)")"
calls=$(curl -sf "http://127.0.0.1:$sim_port/sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["completions"])')
[ "$calls" = 3 ] || fail "groq-sim saw $calls calls, not 3 (customers asking the same share one answer)"

# Everything written: logs, Redis (every string and stream), groq-sim's record.
curl -sf "http://127.0.0.1:$sim_port/sim/stats" >"$dir/sim-stats.json"
for key in $(redis-cli -p "$redis_port" --scan); do
  case $(redis-cli -p "$redis_port" type "$key") in
    string) redis-cli -p "$redis_port" --no-raw get "$key" ;;
    stream) redis-cli -p "$redis_port" --no-raw xrange "$key" - + ;;
    *) redis-cli -p "$redis_port" --no-raw dump "$key" ;;
  esac
done >"$dir/redis-dump.txt"
[ -s "$dir/redis-dump.txt" ] || fail "nothing in Redis to look at"
grep -q 'IBAN_1' "$dir/redis-dump.txt" || fail "Redis holds no placeholder: did anything get stored?"
grep -rqF --include='*.json' -e 'TCKN_1' "$dir" || fail "groq-sim's record holds no placeholder: is the grep looking?"
for who in "${names[@]}"; do
  digits=$(echo "${iban[$who]}" | tr -cd '0-9')
  for value in "${iban[$who]}" "$digits" "${tckn[$who]}" "${phone[$who]}" "${email[$who]}"; do
    if grep -rlF --include='*.log' --include='*.txt' --include='*.json' --include='*.out' -e "$value" "$dir"; then
      fail "'$value' ($who) was written by the gateway, Redis or groq-sim"
    fi
  done
done
echo "pii e2e: each customer got their own values; no identifier in logs, Redis or groq-sim's record"
