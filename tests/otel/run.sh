#!/usr/bin/env bash
# OpenTelemetry export through the real executables, checked by a receiver that decodes every
# export with the official OpenTelemetry protocol definitions (tests/otel/receiver.mjs; npm
# @opentelemetry/otlp-transformer pinned in package-lock.json, installed here with `npm ci` when
# missing). The gateway exports only at shutdown here (OTEL_BSP_SCHEDULE_DELAY of a minute): what
# the receiver holds after SIGTERM shows that the last spans are sent before the process ends.
#   tests/otel/run.sh GATEWAY_BIN SIM_BIN
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
gateway_bin=$1
sim_bin=$2
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
[ -d "$here/node_modules/@opentelemetry/otlp-transformer" ] || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
dir=$(mktemp -d)
cleanup() { kill "${gw_pid:-}" "${sim_pid:-}" "${rx_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$dir/gw.log" || true; exit 1; }

"$sim_bin" --port 0 >"$dir/sim.out" 2>"$dir/sim.log" &
sim_pid=$!
node "$here/receiver.mjs" >"$dir/rx.out" 2>"$dir/rx.log" &
rx_pid=$!
for _ in $(seq 200); do grep -q "groq-sim port" "$dir/sim.out" 2>/dev/null && grep -q "receiver port" "$dir/rx.out" 2>/dev/null && break; sleep 0.05; done
sim_port=$(awk '/groq-sim port/ {print $3}' "$dir/sim.out")
rx_port=$(awk '/receiver port/ {print $3}' "$dir/rx.out")
[ -n "$sim_port" ] && [ -n "$rx_port" ] || { cat "$dir/rx.log"; fail "groq-sim or the receiver did not start"; }

GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" HOST=127.0.0.1 PORT=0 THREADS=2 \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$rx_port" OTEL_BSP_SCHEDULE_DELAY=60000 \
  OTEL_SERVICE_NAME=gw-e2e OTEL_RESOURCE_ATTRIBUTES="deployment.environment=e2e" \
  "$gateway_bin" 2>"$dir/gw.log" &
gw_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/gw.log" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\);.*/\1/p' "$dir/gw.log")
[ -n "$port" ] || fail "gateway did not start"

a=4bf92f3577b34da6a3ce929d0e0e4736; b=5bf92f3577b34da6a3ce929d0e0e4737; c=6bf92f3577b34da6a3ce929d0e0e4738
post() {  # trace path body [output file]
  curl -sf -o "${4:-$dir/out}" -H 'Content-Type: application/json' -H "traceparent: 00-$1-00f067aa0ba902b7-01" \
    "http://127.0.0.1:$port$2" -d "$3" || fail "POST $2"
}
post "$a" /chat '{"question":"BIST 100 nedir?"}'                  # a miss
post "$a" /chat '{"question":"BIST 100 nedir?"}'                  # the same trace again: a hit
post "$b" /chat '{"question":"Altın nedir?","stream":true}'       # a stream
post "$c" /v1/chat/completions '{"model":"openai/gpt-oss-20b","messages":[{"role":"user","content":"Faiz nedir?"}]}'
# A follower coalesced on a leader held at groq-sim's gate: its wait links to the leader's request.
d=7bf92f3577b34da6a3ce929d0e0e4739; e=8bf92f3577b34da6a3ce929d0e0e473a
held='{"question":"Borsa nedir? [[sim gate=otelrx]]","stream":true}'
streams() { curl -sf "http://127.0.0.1:$sim_port/sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["active_streams"])'; }
( post "$d" /chat "$held" "$dir/leader.out" ) &
leader=$!
held_up=""
for _ in $(seq 200); do [ "$(streams)" = 1 ] && { held_up=1; break; }; sleep 0.05; done
[ -n "$held_up" ] || fail "the leader's stream never reached groq-sim's gate"
( post "$e" /chat "$held" "$dir/follower.out" ) &
follower=$!
joined=""
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/metrics" | grep -q '^gateway_coalesced_requests_total 1$' && { joined=1; break; }; sleep 0.05; done
curl -sf -X POST "http://127.0.0.1:$sim_port/sim/gates/otelrx/open" >/dev/null || fail "open the gate"
[ -n "$joined" ] || fail "the second request did not join the first's flight"
leader_ok=0; follower_ok=0
wait "$leader" || leader_ok=$?
wait "$follower" || follower_ok=$?
[ "$leader_ok" = 0 ] && [ "$follower_ok" = 0 ] || fail "the coalesced pair ($leader_ok, $follower_ok)"
[ "$(curl -s "http://127.0.0.1:$rx_port/spans")" = "[]" ] || fail "spans exported before the schedule or the end"

kill -TERM "$gw_pid"
wait "$gw_pid" || fail "the gateway did not exit cleanly"
gw_pid=""
curl -s "http://127.0.0.1:$rx_port/errors" >"$dir/errors.json"
curl -s "http://127.0.0.1:$rx_port/spans" >"$dir/spans.json"
[ "$(cat "$dir/errors.json")" = "[]" ] || fail "exports the definitions refuse: $(cat "$dir/errors.json")"

python3 - "$dir/spans.json" "$a" "$b" "$c" "$d" "$e" <<'PY' || fail "span tree"
import json, sys
spans = json.load(open(sys.argv[1]))
a, b, c, d, e = sys.argv[2:7]
def of(trace): return [s for s in spans if s["traceId"] == trace]
def named(ss, name): return [s for s in ss if s["name"] == name]
sa = of(a)
servers = named(sa, "POST /chat")
assert len(servers) == 2, [s["name"] for s in sa]
for s in servers:
    assert s["parentSpanId"] == "00f067aa0ba902b7" and s["kind"] == 2, s
    assert s["resource"]["service.name"] == "gw-e2e" and s["resource"]["deployment.environment"] == "e2e", s["resource"]
caches = sorted(s["attributes"]["gateway.cache"] for s in servers)
assert caches == ["HIT", "MISS"], caches
miss = [s for s in servers if s["attributes"]["gateway.cache"] == "MISS"][0]
children = [s for s in sa if s["parentSpanId"] == miss["spanId"]]
names = sorted(s["name"] for s in children)
assert names == ["chat openai/gpt-oss-20b", "gateway.cache.lookup", "gateway.relay"], names
call = named(children, "chat openai/gpt-oss-20b")[0]
assert call["kind"] == 3 and call["attributes"]["gen_ai.provider.name"] == "groq", call
assert int(miss["attributes"]["gen_ai.usage.output_tokens"]) > 0, miss["attributes"]
stream = named(of(b), "gateway.relay")
assert stream and int(stream[0]["attributes"]["gateway.relay.events"]) > 0, of(b)
assert named(of(c), "POST /v1/chat/completions"), [s["name"] for s in of(c)]
waits = named(of(e), "gateway.coalesce.wait")
assert len(waits) == 1 and waits[0]["links"], of(e)
leader = [s for s in of(d) if s["name"] == "POST /chat"][0]
assert waits[0]["links"] == [{"traceId": d, "spanId": leader["spanId"]}], (waits[0]["links"], leader)
assert all(not s["links"] for s in spans if s is not waits[0]), [s for s in spans if s["links"]]
assert all(int(s["end"]) >= int(s["start"]) for s in spans)
print(f"otel: {len(spans)} spans in 5 traces, every export accepted by the OpenTelemetry definitions")
PY
