#!/usr/bin/env bash
# Installs the Debian packages of a list that are missing: docker/packages.txt (what build, run and
# tests need) unless another list is given, e.g. tests/load/packages.txt for the benchmarks.
# Idempotent: when all are present it installs nothing and touches no network.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list=${1:-$here/packages.txt}
mapfile -t wanted < <(grep -v '^\s*#' "$list" | grep -v '^\s*$')

find_missing() {
  missing=()
  for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
  done
  # The build runs npm (the chat page's libraries, lib/web/package-lock.json). Node.js from another
  # source (NodeSource's nodejs bundles npm) counts: Debian's nodejs and npm are only the fallback.
  if [ "$list" = "$here/packages.txt" ] && ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
}

find_missing
[ ${#missing[@]} -eq 0 ] && exit 0
# Tests that bring their own packages (browser, docker) may start at once under ctest -j: one
# apt-get at a time, and whatever another run installed meanwhile is not installed again.
exec 9>"${TMPDIR:-/tmp}/chat-gateway-install-deps.lock"
flock 9
find_missing
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
