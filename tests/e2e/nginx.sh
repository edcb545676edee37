#!/usr/bin/env bash
# nginx/chat-gateway.conf in front of the real gateway (Debian's nginx, a generated copy of the
# config pointing at this test's gateway): streams arrive incrementally, JSON answers, errors and
# Retry-After pass unchanged; then with proxy_buffering on, X-Accel-Buffering: no keeps it streaming.
#   tests/e2e/nginx.sh GATEWAY_BIN SIM_BIN
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
gateway_bin=$1
sim_bin=$2
command -v nginx >/dev/null || "$root/docker/install-deps.sh"
dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in gw.log nginx-error.log; do echo "--- $f"; cat "$dir/$f" 2>/dev/null || true; done; exit 1; }
source "$root/tests/e2e/lib.sh"

"$sim_bin" --port 0 >"$dir/sim.out" 2>"$dir/sim.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "groq-sim port" "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
sim_port=$(awk '/groq-sim port/ {print $3}' "$dir/sim.out")
[ -n "$sim_port" ] || fail "groq-sim did not start"

GROQ_BASE_URL="http://127.0.0.1:$sim_port/openai/v1" UPSTREAM_MAX_RETRIES=0 HOST=127.0.0.1 PORT=0 THREADS=2 \
  "$gateway_bin" 2>"$dir/gw.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$dir/gw.log" 2>/dev/null && break; sleep 0.05; done
gw_port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\);.*/\1/p' "$dir/gw.log")
[ -n "$gw_port" ] || fail "gateway did not start"

nginx_pid=""
start_nginx() {  # extra sed expressions applied to the site config
  [ -n "$nginx_pid" ] && { kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; }
  ng_port=$(free_port)
  sed -e "s/server 127.0.0.1:8000/server 127.0.0.1:$gw_port/" -e "s/listen 80;/listen 127.0.0.1:$ng_port;/" \
      -e "s/allow 127.0.0.1;/allow 127.0.0.1;/" "$@" "$root/nginx/chat-gateway.conf" >"$dir/site.conf"
  run_nginx "$dir"
  pids+=("$nginx_pid")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ng_port/healthz" >/dev/null && return; sleep 0.05; done
  fail "nginx did not start"
}
open_gate() { curl -sf -X POST "http://127.0.0.1:$sim_port/sim/gates/$1/open" >/dev/null; }
# Streams a question held at gate $1 through nginx; waits up to $2 polls (20 ms) for the first delta.
# Prints "early" if it arrived while the upstream was still held, "late" otherwise.
stream_through_nginx() {
  local gate=$1 polls=$2 out="$dir/stream-$1.txt"
  curl -sS -N --max-time 20 -H 'Content-Type: application/json' \
    -d "{\"question\":\"Borsa nedir? [[sim gate=$gate]]\",\"stream\":true}" "http://127.0.0.1:$ng_port/chat" >"$out" &
  local curl_pid=$!
  local when=late
  for _ in $(seq "$polls"); do grep -q '"delta"' "$out" 2>/dev/null && { when=early; break; }; sleep 0.02; done
  open_gate "$gate"
  wait "$curl_pid" || fail "curl through nginx failed"
  [ "$(grep -v '^$' "$out" | tail -n 1)" = "data: [DONE]" ] || fail "stream through nginx incomplete: $(cat "$out")"
  echo "$when"
}

# 1. The shipped config: the first delta reaches the client while groq-sim still holds the rest.
start_nginx
[ "$(stream_through_nginx g1 500)" = early ] || fail "the stream was not incremental through nginx"

# JSON answers and errors pass unchanged (bodies byte for byte; X-Request-Id differs per request).
body='{"question":"BIST 100 nedir?"}'
curl -sS -o /dev/null -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$gw_port/chat"  # cached now
direct=$(curl -sS -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$gw_port/chat")
proxied=$(curl -sS -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$ng_port/chat")
[ "$direct" = "$proxied" ] || fail "JSON answer changed through nginx"
err_direct=$(curl -sS -H 'Content-Type: application/json' -d '{"question": 5}' "http://127.0.0.1:$gw_port/chat")
err_proxied=$(curl -sS -D "$dir/err.h" -H 'Content-Type: application/json' -d '{"question": 5}' "http://127.0.0.1:$ng_port/chat")
[ "$err_direct" = "$err_proxied" ] || fail "error body changed through nginx"
grep -q "^HTTP/1.1 400" "$dir/err.h" || fail "error status changed through nginx"
curl -sS -D "$dir/429.h" -o /dev/null -H 'Content-Type: application/json' \
  -d '{"question":"x [[sim status=429 retry_after=120]]"}' "http://127.0.0.1:$ng_port/chat"
grep -q "^HTTP/1.1 429" "$dir/429.h" || fail "429 did not pass through nginx"
grep -qi "^retry-after: 120" "$dir/429.h" || fail "Retry-After did not pass through nginx"
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
status=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"question\":\"$big\"}" "http://127.0.0.1:$ng_port/chat")
[ "$status" = 413 ] || fail "nginx did not enforce the 64 KiB body limit (got $status)"

# The chat page and a file it names, through nginx: gzipped by the gateway, passed on as they are.
curl -sS --compressed -D "$dir/page.h" -o "$dir/page.html" "http://127.0.0.1:$ng_port/" || fail "no page through nginx"
grep -qi "^content-encoding: gzip" "$dir/page.h" || fail "the page did not come gzipped through nginx"
grep -qi "^content-security-policy: default-src 'self'" "$dir/page.h" || fail "the page lost its CSP in nginx"
grep -q '<html lang="tr">' "$dir/page.html" || fail "the page through nginx is not the page"
asset=$(grep -o '/assets/app\.[0-9a-f]*\.js' "$dir/page.html" | head -1)
[ -n "$asset" ] || fail "the page names no app.js"
curl -sS -D "$dir/asset.h" -o /dev/null "http://127.0.0.1:$ng_port$asset" || fail "no $asset through nginx"
grep -qi "^cache-control: public, max-age=31536000, immutable" "$dir/asset.h" || fail "$asset is not cached for good"

# 2. Buffering turned on (a site config that forgot proxy_buffering off): the gateway's
#    X-Accel-Buffering: no still makes nginx pass the stream through unbuffered.
start_nginx -e "s/proxy_buffering off;/proxy_buffering on;/"
[ "$(stream_through_nginx g2 500)" = early ] || fail "X-Accel-Buffering: no did not keep the stream incremental"
grep -q "x-accel-buffering" <(curl -sS -D - -o /dev/null -N -H 'Content-Type: application/json' \
  -d '{"question":"BIST 100 nedir?","stream":true}' "http://127.0.0.1:$gw_port/chat") \
  || fail "the gateway does not send X-Accel-Buffering"

echo "nginx e2e: passed"
