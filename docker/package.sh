#!/usr/bin/env bash
# The image from binaries CMake already built - seconds instead of a compile inside the image: the
# Dockerfile's base stage (libraries, user, health check, settings) plus the two binaries, stripped.
# The same image as `docker build -f docker/Dockerfile .` makes, without building again.
#   docker/package.sh [BIN_DIR (build/release/app)] [TAG (chat-gateway)]     DOCKER=/usr/bin/docker ...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/release/app}
tag=${2:-chat-gateway}
docker=${DOCKER:-docker}
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$bin/chat-gateway" "$bin/groq-sim" "$ctx/"
strip "$ctx/chat-gateway" "$ctx/groq-sim"
"$docker" build -q --network=host -f "$root/docker/Dockerfile" --target base -t "$tag-base" "$ctx" >/dev/null
printf 'FROM %s-base\nCOPY chat-gateway groq-sim /usr/local/bin/\n' "$tag" |
  "$docker" build -q --network=host -t "$tag" -f - "$ctx" >/dev/null
echo "$tag"
