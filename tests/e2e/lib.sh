# Shared by the e2e scripts (source it): a free loopback port, and nginx run in the foreground of
# a test folder with one site file - the shipped nginx/*.conf, edited by the script.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# run_nginx DIR: starts nginx on DIR/site.conf (temp files, pid and error log in DIR); sets
# nginx_pid. The caller waits for its port and stops it.
run_nginx() {
  local dir=$1
  cat >"$dir/nginx.conf" <<NGINX
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  include $dir/site.conf;
}
NGINX
  nginx -e "$dir/nginx-error.log" -c "$dir/nginx.conf" &
  nginx_pid=$!
}

# start_gateway_as BIN DIR NAME ENV...: a gateway on a free port with ENV, its log in DIR/NAME.log;
# sets port_NAME and appends its pid to pids (and gw_pids).
start_gateway_as() {
  local bin=$1 dir=$2 name=$3
  shift 3
  env HOST=127.0.0.1 PORT=0 "$@" "$bin" >/dev/null 2>"$dir/$name.log" &
  pids+=($!)
  gw_pids+=($!)
  local p=""
  for _ in $(seq 100); do
    p=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\);.*/\1/p' "$dir/$name.log" 2>/dev/null)
    [ -n "$p" ] && break
    sleep 0.05
  done
  [ -n "$p" ] || { echo "FAIL: gateway $name did not start"; cat "$dir/$name.log"; return 1; }
  printf -v "port_$name" %s "$p"
}
