#!/usr/bin/env bash
# The Docker image for real, as a user runs it: built with docker/package.sh (docker/Dockerfile's
# base stage plus the binaries this build made), run read-only with settings from -e only against groq-sim over TLS
# (its CA file mounted read-only), checked (healthz, /chat JSON and stream, /v1, non-root, HEALTHCHECK
# healthy, --help, no key in the logs), stopped with a stream in flight (the stream completes, exit
# code 0, before docker's 10 s); then docker/compose.yaml (nginx, Redis, three gateways, groq-sim) up, one
# /chat stream through nginx, an answer from one replica a hit on another (through Redis), down.
# Installs what is missing (tests/e2e/docker-packages.txt), starts dockerd when none runs and stops
# what it started; makes the local debian:bookworm-slim once (debootstrap: no registry here).
#   tests/e2e/docker.sh GATEWAY_BIN SIM_BIN
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
gateway_bin=$1
sim_bin=$2
"$root/docker/install-deps.sh" "$root/tests/e2e/docker-packages.txt"
# Debian's client: /usr/local/bin/docker, where present, is another CLI that may lack what we use.
docker=/usr/bin/docker
compose=/usr/bin/docker-compose
image=chat-gateway:e2e
dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
dockerd_pid=""
cleanup() {
  "$docker" rm -f cg-e2e >/dev/null 2>&1 || true
  [ -f "$dir/compose.env" ] && (cd "$root/docker" && env $(cat "$dir/compose.env") "$compose" -p cge2e down -t 5 >/dev/null 2>&1) || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$dockerd_pid" ]; then kill "$dockerd_pid" 2>/dev/null || true; wait "$dockerd_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  "$docker" logs cg-e2e 2>&1 | tail -20 || true
  [ -n "$dockerd_pid" ] && tail -20 "$dir/dockerd.log"
  exit 1
}
source "$root/tests/e2e/lib.sh"
seconds_since() { echo "$(date +%s.%N) - $1" | bc -l | xargs printf '%.1f'; }

# The engine: this machine has no systemd; its dockerd leaves the host's firewall and interfaces
# alone (--bridge=none), so builds and containers use the host's network.
if ! "$docker" info >/dev/null 2>&1; then
  # A dockerd that was killed (a session's, at its end) leaves its pid file: not ours to honour.
  pgrep -x dockerd >/dev/null || rm -f /var/run/docker.pid
  dockerd --iptables=false --ip6tables=false --bridge=none >"$dir/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 100); do "$docker" info >/dev/null 2>&1 && break; sleep 0.2; done
  "$docker" info >/dev/null 2>&1 || fail "dockerd did not start"
fi

# The base image, made once and kept: Debian's archive is reachable, a registry is not.
if ! "$docker" image inspect debian:bookworm-slim >/dev/null 2>&1; then
  t0=$(date +%s.%N)
  debootstrap --variant=minbase bookworm "$dir/rootfs" >"$dir/debootstrap.log" 2>&1 || { tail "$dir/debootstrap.log"; fail "debootstrap"; }
  tar -C "$dir/rootfs" -c . | "$docker" import - debian:bookworm-slim >/dev/null
  rm -rf "$dir/rootfs"
  echo "docker: made debian:bookworm-slim with debootstrap in $(seconds_since "$t0") s"
fi

# The image, from the binaries of this build (docker/package.sh: the Dockerfile's base stage plus them).
mkdir -p "$dir/bin"
cp "$gateway_bin" "$sim_bin" "$dir/bin/"
t0=$(date +%s.%N)
DOCKER="$docker" "$root/docker/package.sh" "$dir/bin" "$image" >/dev/null || fail "docker/package.sh"
base_size=$("$docker" image inspect --format '{{.Size}}' debian:bookworm-slim)
size=$("$docker" image inspect --format '{{.Size}}' "$image")
echo "docker: built $image (docker/package.sh) in $(seconds_since "$t0") s; $(( (size - base_size) / 1048576 )) MiB on top of debian:bookworm-slim"

# groq-sim on the host, over TLS with its own CA.
"$sim_bin" --port 0 --self-signed "$dir/ca.pem" --api-key docker-e2e-key-0123 >"$dir/sim.out" 2>"$dir/sim.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "groq-sim port" "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
sim_port=$(awk '/groq-sim port/ {print $3}' "$dir/sim.out")
[ -n "$sim_port" ] || fail "groq-sim did not start"
chmod 644 "$dir/ca.pem"

port=$(free_port)
"$docker" run -d --name cg-e2e --network=host --read-only \
  -e HOST=127.0.0.1 -e PORT="$port" -e GROQ_API_KEY=docker-e2e-key-0123 \
  -e GROQ_BASE_URL="https://127.0.0.1:$sim_port/openai/v1" -e GROQ_CA_FILE=/run/groq-ca.pem \
  -v "$dir/ca.pem:/run/groq-ca.pem:ro" "$image" >/dev/null || fail "docker run"
url="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$url/healthz" | grep -q '"ok"' || fail "/healthz"

json=$(curl -sf "$url/chat" -H 'Content-Type: application/json' -d '{"question":"BIST 100 nedir?"}') || fail "/chat JSON"
grep -q '"answer":"' <<<"$json" || fail "/chat JSON has no answer: $json"
curl -sfN "$url/chat" -H 'Content-Type: application/json' -d '{"question":"Temettü nedir?","stream":true}' \
  >"$dir/stream.txt" || fail "/chat stream"
grep -q '"delta"' "$dir/stream.txt" && grep -q 'data: \[DONE\]' "$dir/stream.txt" || fail "/chat stream incomplete"
curl -sf "$url/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"messages":[{"role":"user","content":"Enflasyon nedir?"}]}' | grep -q '"object":"chat.completion"' || fail "/v1"
page=$(curl -sf "$url/") || fail "no chat page"
grep -q '<html lang="tr">' <<<"$page" || fail "the image does not serve the chat page"

[ "$("$docker" inspect --format '{{.Config.User}}' cg-e2e)" = gateway ] || fail "the image does not set a non-root user"
[ "$("$docker" exec cg-e2e id -u)" != 0 ] || fail "the gateway runs as root"
health=""
for _ in $(seq 60); do
  health=$("$docker" inspect --format '{{.State.Health.Status}}' cg-e2e)
  [ "$health" = healthy ] && break
  sleep 0.5
done
[ "$health" = healthy ] || fail "HEALTHCHECK says $health"
help=$("$docker" run --rm "$image" --help) || fail "--help failed in the image"
grep -q GROQ_API_KEY <<<"$help" || fail "--help does not list the settings"

# docker stop (SIGTERM, killed after 10 s) with a stream in flight: it completes, the exit code is 0.
curl -sfN "$url/chat" -H 'Content-Type: application/json' \
  -d '{"question":"Kredi notu nedir? [[sim interval=50 tokens=40]]","stream":true}' >"$dir/inflight.txt" &
curl_pid=$!
for _ in $(seq 50); do grep -q '"delta"' "$dir/inflight.txt" 2>/dev/null && break; sleep 0.05; done
t0=$(date +%s.%N)
"$docker" stop cg-e2e >/dev/null
stop_s=$(seconds_since "$t0")
wait "$curl_pid" || fail "the in-flight stream failed"
grep -q 'data: \[DONE\]' "$dir/inflight.txt" || fail "docker stop cut the stream in flight"
[ "$("$docker" inspect --format '{{.State.ExitCode}}' cg-e2e)" = 0 ] || fail "exit code $("$docker" inspect --format '{{.State.ExitCode}}' cg-e2e)"
echo "docker: stop with a stream in flight took $stop_s s; the stream completed; exit code 0"
"$docker" logs cg-e2e >"$dir/container.log" 2>&1
grep -q "docker-e2e-key-0123" "$dir/container.log" && fail "the API key is in docker logs"
grep -q "shutting down" "$dir/container.log" || fail "no drain in the logs"
"$docker" rm cg-e2e >/dev/null

# docker/compose.yaml: groq-sim, Redis, three gateways and nginx; a stream through nginx, an answer
# stored through one replica is a hit on another, down.
sim_port2=$(free_port)
redis_port=$(free_port)
gw1=$(free_port) gw2=$(free_port) gw3=$(free_port)
ng_port=$(free_port)
echo "GATEWAY_IMAGE=$image SIM_PORT=$sim_port2 REDIS_PORT=$redis_port GATEWAY_PORT_1=$gw1 GATEWAY_PORT_2=$gw2 GATEWAY_PORT_3=$gw3 NGINX_PORT=$ng_port GROQ_BASE_URL=http://127.0.0.1:$sim_port2/openai/v1" \
  >"$dir/compose.env"
t0=$(date +%s.%N)
(cd "$root/docker" && env $(cat "$dir/compose.env") "$compose" -p cge2e build -q nginx redis >"$dir/compose.log" 2>&1) \
  || { cat "$dir/compose.log"; fail "compose build"; }
(cd "$root/docker" && env $(cat "$dir/compose.env") "$compose" -p cge2e up -d --no-build >>"$dir/compose.log" 2>&1) \
  || { cat "$dir/compose.log"; fail "compose up"; }
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ng_port/healthz" >/dev/null && break; sleep 0.1; done
curl -sfN "http://127.0.0.1:$ng_port/chat" -H 'Content-Type: application/json' \
  -d '{"question":"Halka arz nedir?","stream":true}' >"$dir/compose-stream.txt" || { cat "$dir/compose.log"; fail "stream through compose nginx"; }
grep -q '"delta"' "$dir/compose-stream.txt" && grep -q 'data: \[DONE\]' "$dir/compose-stream.txt" || fail "compose stream incomplete"
# The replicas share Redis: what replica 1 answered is a hit on replica 3.
redis_up() { [ "$(curl -sf "http://127.0.0.1:$1/metrics" | awk '$1 == "gateway_redis_up" {print $2}')" = 1 ]; }
for _ in $(seq 300); do redis_up "$gw1" && redis_up "$gw3" && break; sleep 0.1; done
redis_up "$gw1" && redis_up "$gw3" || fail "replicas 1 and 3 are not both on Redis after 30 s"
# Answers stored in Redis (cgw:{KEY}:a); the other keys (a question's lock, a stream's copy) do not
# count: the lock of the streamed question alone once made "two keys" before this answer was there.
answers() {
  (cd "$root/docker" && env $(cat "$dir/compose.env") "$compose" -p cge2e exec -T redis \
    redis-cli -p "$redis_port" --scan --pattern 'cgw:*:a' 2>/dev/null) | grep -c ':a' || true
}
# The streamed question's answer is stored without waiting for Redis too: counted once it is there,
# or it could land after `before` and pass for replica 1's.
for _ in $(seq 100); do [ "$(answers)" -ge 1 ] && break; sleep 0.1; done
before=$(answers)
[ "$before" -ge 1 ] || fail "the streamed answer never reached Redis"
curl -sf -o /dev/null "http://127.0.0.1:$gw1/chat" -H 'Content-Type: application/json' -d '{"question":"Repo nedir?"}' \
  || fail "replica 1"
# The store does not wait for Redis: wait until the answer is there, then ask replica 3 once.
for _ in $(seq 100); do
  [ "$(answers)" -gt "${before:-0}" ] && break
  sleep 0.1
done
hit=$(curl -sf -D - -o /dev/null "http://127.0.0.1:$gw3/chat" -H 'Content-Type: application/json' \
  -d '{"question":"Repo nedir?"}' | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" {print $2}')
[ "$hit" = HIT ] || fail "replica 3 did not hit what replica 1 stored (X-Cache: $hit)"
[ "$(curl -sf "http://127.0.0.1:$gw3/metrics" | awk '$1 == "gateway_shared_cache_hits_total" {print $2}')" = 1 ] \
  || fail "replica 3's hit did not come from Redis"
(cd "$root/docker" && env $(cat "$dir/compose.env") "$compose" -p cge2e down -t 5 >>"$dir/compose.log" 2>&1) || fail "compose down"
rm -f "$dir/compose.env"
echo "docker: compose (Redis, three gateways, nginx) up, a stream through nginx, a hit across replicas, down in $(seconds_since "$t0") s"
echo "docker: all checks passed"
