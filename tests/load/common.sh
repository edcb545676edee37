# Shared by the benchmark scripts in tests/load: set-up, free ports, starting groq-sim, the gateway
# and nginx, and reading chat-bench's JSON. Source it; it sets $root, $bin and $work.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${BIN:-$root/build/release/app}

"$root/docker/install-deps.sh"
"$root/docker/install-deps.sh" "$root/tests/load/packages.txt"
[ -x "$bin/chat-bench" ] || make -C "$root" build

work=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Many connections: raise the descriptor limit as far as this shell may (root: the hard limit too).
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# TRACING=RATIO (0 < RATIO <= 1; benchmark 12): every gateway started here (this build's and
# BASE_BIN's) records that share of traces (OTEL_TRACES_SAMPLER=traceidratio) and exports them to
# a collector started here, which reads each export whole and answers 200 - a collector that keeps
# up, so that what is measured is the gateway's own cost of recording and sending.
if [ -n "${TRACING:-}" ]; then
  collector_port=$(free_port)
  python3 - "$collector_port" >"$work/collector.log" 2>&1 <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Collector(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Collector).serve_forever()
PY
  pids+=("$!")
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$collector_port" OTEL_TRACES_SAMPLER=traceidratio \
    OTEL_TRACES_SAMPLER_ARG="$TRACING"
fi

# start_sim ARGS...: groq-sim on a free port; sets sim_port and sim_pid.
start_sim() {
  "$bin/groq-sim" --port 0 "$@" >"$work/sim.out" 2>"$work/sim.log" &
  sim_pid=$!
  pids+=("$sim_pid")
  for _ in $(seq 100); do grep -q "groq-sim port" "$work/sim.out" 2>/dev/null && break; sleep 0.05; done
  sim_port=$(awk '/groq-sim port/ {print $3}' "$work/sim.out")
  [ -n "$sim_port" ] || { echo "groq-sim did not start" >&2; exit 1; }
}

# start_gateway NAME=VALUE...: the gateway on a free port, quiet (no line per request); sets
# gw_port and gw_pid. GROQ_BASE_URL and the rest come from the arguments.
start_gateway() {
  gw_port=$(free_port)
  # GATEWAY_BIN: another build's binaries (e.g. the last release, measured beside this one).
  # stdout (the access log, when an argument turns it on) goes to a file, as nginx's does.
  # Every load generator here is one address: the per-address caps (MAX_CONNECTIONS_PER_CLIENT,
  # CONNECTION_RATE_PER_CLIENT) are off unless an argument sets them (a build without them ignores
  # the variables).
  env HOST=127.0.0.1 PORT="$gw_port" LOG_LEVEL=warn ACCESS_LOG=false MAX_CONNECTIONS_PER_CLIENT=0 \
    CONNECTION_RATE_PER_CLIENT=0 "$@" "${GATEWAY_BIN:-$bin}/chat-gateway" \
    >"$work/gateway-$gw_port.out" 2>"$work/gateway-$gw_port.log" &
  gw_pid=$!
  pids+=("$gw_pid")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$gw_port/healthz" >/dev/null && break; sleep 0.05; done
  curl -sf "http://127.0.0.1:$gw_port/healthz" >/dev/null || { echo "gateway did not start" >&2; cat "$work/gateway-$gw_port.log" >&2; exit 1; }
}

# start_nginx_proxy UPSTREAM_PORT WORKERS: nginx as a plain reverse proxy to 127.0.0.1:UPSTREAM_PORT
# (keep-alive upstream connections, no buffering, no access log); sets ng_port.
start_nginx_proxy() {
  ng_port=$(free_port)
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes $2;
worker_rlimit_nofile 100000;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 32768; }
http {
  access_log off;
  tcp_nodelay on;
  keepalive_requests 100000000;
  upstream sim { server 127.0.0.1:$1; keepalive 1024; keepalive_requests 100000000; }
  server {
    listen 127.0.0.1:$ng_port;
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
NGINX
  nginx -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
  pids+=($!)
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$ng_port/" && break; sleep 0.05; done
}

# bench NAME ARGS...: one chat-bench run; its JSON goes to $work/NAME.json, its table to stderr.
bench() {
  local name=$1
  shift
  "$bin/chat-bench" --label "$name" --json "$work/$name.json" "$@" >&2
}

# field NAME KEY...: a value from NAME's JSON, e.g. field direct latency_ms total p99
field() {
  python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v = v[k]
print(f"{v:.3f}" if isinstance(v, float) else v)' "$work/$1.json" "${@:2}"
}

# start_nginx_static WORKERS: nginx serving $work/www/answer.json as a static file, tuned as a
# fair reference for cache hits (keep-alive without limit, no access log); sets ng_port.
start_nginx_static() {
  ng_port=$(free_port)
  chmod 755 "$work" "$work/www"
  chmod 644 "$work/www/answer.json"
  cat >"$work/nginx.conf" <<NGINX
worker_processes $1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  types { application/json json; }
  server {
    listen 127.0.0.1:$ng_port;
    root $work/www;
  }
}
NGINX
  nginx -e "$work/nginx-error.log" -c "$work/nginx.conf" &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ng_port/answer.json" >/dev/null && return; sleep 0.05; done
  echo "nginx did not start" >&2
  exit 1
}

# start_nginx_return WORKERS FILE [WRAPPER...]: nginx answering every request with FILE's bytes from
# its own configuration (`return 200 '...'`: no file system access at all, nginx's fastest reply),
# tuned like start_nginx_static; sets ngr_port and ngr_pid. With a WRAPPER (valgrind ...), nginx runs
# as one process under it (master_process off). NGINX_ACCESS_LOG=FILE: it writes its access log
# (the default `combined` format, a write() per request, as nginx does without `buffer=`) to FILE.
start_nginx_return() {
  local workers=$1 file=$2 master=on name=nginx-return
  shift 2
  [ $# -gt 0 ] && master=off
  local access="access_log off;"
  if [ -n "${NGINX_ACCESS_LOG:-}" ]; then
    access="access_log $NGINX_ACCESS_LOG;"
    name=nginx-return-logged
  fi
  ngr_port=$(free_port)
  # nginx interpolates $ in the text and unescapes \ and \': a $ is written ${dollar}.
  local text
  text=$(sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g" -e 's/\$/${dollar}/g' "$file")
  cat >"$work/$name.conf" <<NGINX
worker_processes $workers;
master_process $master;
daemon off;
pid $work/$name.pid;
error_log $work/$name-error.log warn;
events { worker_connections 16384; }
http {
  $access
  tcp_nodelay on;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  geo \$dollar { default "\$"; }
  server {
    listen 127.0.0.1:$ngr_port;
    default_type application/json;
    location / { return 200 '$text'; }
  }
}
NGINX
  "$@" nginx -e "$work/$name-error.log" -c "$work/$name.conf" &
  ngr_pid=$!
  pids+=("$ngr_pid")
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$ngr_port/" >/dev/null && return; sleep 0.05; done
  echo "nginx (return) did not start" >&2
  exit 1
}

# nginx_conf FILE PORT MASTER [KEEPALIVE]: one nginx worker as a TLS reverse proxy to groq-sim on
# $sim_port (its certificate verified against $work/ca.pem; keepalive 512, no buffering); MASTER off
# runs it as a single process (under valgrind); KEEPALIVE off: a new upstream connection per request.
nginx_conf() {
  local keepalive="keepalive 512; keepalive_requests 100000000;"
  [ "${4:-on}" = off ] && keepalive=""
  cat >"$1" <<NGINX
worker_processes 1;
master_process $3;
worker_rlimit_nofile 100000;
daemon off;
pid $work/nginx-tls.pid;
error_log $work/nginx-tls-error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  tcp_nodelay on;
  keepalive_requests 100000000;
  upstream sim { server 127.0.0.1:$sim_port; $keepalive }
  server {
    listen 127.0.0.1:$2;
    location / {
      proxy_pass https://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate $work/ca.pem;
      proxy_ssl_name localhost;
      proxy_ssl_session_reuse on;
      # nginx 1.22 offers at most TLS 1.2 to upstreams by default; the gateway speaks 1.3 (as Groq
      # does). The same protocol on both sides, or the reference does cheaper record work.
      proxy_ssl_protocols TLSv1.2 TLSv1.3;
    }
  }
}
NGINX
}
# callgrind_dump PID OUT_PREFIX TAG: asks the process under callgrind (--callgrind-out-file=
# OUT_PREFIX.%p) to dump its counters now (which zeroes them) and prints the dump's file name. The
# dump is written after callgrind_control returns: waited for. valgrind names its control pipe after
# $HOST, so this runs with HOST=127.0.0.1 like the servers under it.
callgrind_dump() {
  local pid=$1 out=$2 tag=$3 dump=""
  HOST=127.0.0.1 callgrind_control --dump="$tag" "$pid" >/dev/null 2>&1
  for _ in $(seq 300); do
    dump=$(grep -l "^desc: Trigger: dump $tag\$" "$out".* 2>/dev/null | head -1) || true
    [ -n "$dump" ] && break
    sleep 0.1
  done
  [ -n "$dump" ] || { echo "$out: no callgrind dump '$tag'" >&2; exit 1; }
  echo "$dump"
}

machine_line() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); nginx $(nginx -v 2>&1 | cut -d/ -f2)"
}
