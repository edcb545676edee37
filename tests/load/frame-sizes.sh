#!/usr/bin/env bash
# The coroutine frame size of each of the gateway's coroutines, read from the release binary: the
# size each ramp function passes to the frame's operator new (the first `mov $N, %esi` of the ramp,
# as GCC 12 emits it at -O2). Asio recycles a frame through its per-thread cache only up to 1,020
# bytes (255 chunks of 4 bytes, thread_info_base); a larger frame goes to malloc every time and, on
# its way, evicts a cached block (benchmark 9). Frames over the limit are marked with '>'.
# Named coroutines of namespace gateway only: those in anonymous namespaces and the templates
# (serve_http inside a connection's session, the router) are not found by name.
#
#   tests/load/frame-sizes.sh [build/release/app/chat-gateway]
#   tests/load/frame-sizes.sh --check BINARY   # CTest frame_sizes (Release): fails when a frame
#                                              # passes the limit or a request-path coroutine is
#                                              # not found (a check that finds nothing passes nothing)
set -euo pipefail
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
bin=${1:-$(dirname "$0")/../../build/release/app/chat-gateway}
limit=1020
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nm -C "$bin" >"$work/symbols"
# A coroutine's body is its ramp's ".actor" clone: the ramps are the plain symbols of those names.
grep -E ' [tT] gateway::.*\[clone \.actor\]$' "$work/symbols" | sed -E 's/^[0-9a-f]+ [tT] //; s/\(.*//' | sort -u >"$work/coroutines"
grep -E ' [tT] gateway::' "$work/symbols" | grep -v '\[clone' |
  awk 'NR == FNR {co[$0] = 1; next}
       {name = $0; sub(/^[0-9a-f]+ [tT] /, "", name); base = name; sub(/\(.*/, "", base)
        if (base in co && base != "gateway::") print $1, base}' "$work/coroutines" - >"$work/ramps"
# One gdb for all: each ramp's first instructions, after a marker with its address.
awk '{printf "echo @@ %s\\n\nx/96i 0x%s\n", $1, $1}' "$work/ramps" >"$work/gdb-commands"
gdb -batch -x "$work/gdb-commands" "$bin" 2>/dev/null |
  awk '/^@@ / {addr = $2; seen = 0; next}
       !seen && match($0, /mov +\$0x[0-9a-f]+,%esi/) {
         hex = substr($0, RSTART, RLENGTH); sub(/.*\$0x/, "", hex); sub(/,.*/, "", hex)
         print addr, hex; seen = 1 }' >"$work/sizes"
join <(sort "$work/sizes") <(sort "$work/ramps") | while read -r _ hex name; do
  size=$((16#$hex))
  [ "$size" -ge 64 ] || continue  # not a frame: a constructor named like a coroutine
  printf '%6d %s %s\n' "$size" "$([ "$size" -gt "$limit" ] && echo '>' || echo ' ')" "$name"
done | sort -rn >"$work/report"
cat "$work/report"
[ "$check" = 1 ] || exit 0
status=0
# The coroutines every request passes through: each must be found and measured.
for name in gateway::relay_pipeline::serve gateway::relay_pipeline::lead gateway::relay_pipeline::relay_stream \
  gateway::relay_pipeline::reply_json gateway::relay_pipeline::reply_cached gateway::relay_pipeline::follow \
  gateway::relay_pipeline::fetch gateway::chat_handler::handle gateway::openai_handler::completions \
  gateway::openai_handler::models gateway::upstream_caller::call gateway::send_reply; do
  grep -q " $name\$" "$work/report" || { echo "frame-sizes: $name not found in $bin" >&2; status=1; }
done
if grep -q '^ *[0-9]* >' "$work/report"; then
  echo "frame-sizes: frames over Asio's $limit-byte recycling limit (marked '>')" >&2
  status=1
fi
exit $status
