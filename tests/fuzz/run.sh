#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for FUZZ_SECONDS (default 30)
# starting from the committed seed corpus in tests/fuzz/corpus/<target>. Inputs the fuzzer finds
# interesting go to the build directory, not to the repository; a crash stops `make test` and leaves
# its input in <build>/artifacts/ (turn it into a unit test, then commit it as a seed).
#
#   tests/fuzz/run.sh [BUILD_DIR]        FUZZ_SECONDS=300 tests/fuzz/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/fuzz}
seconds=${FUZZ_SECONDS:-30}
mkdir -p "$out/artifacts"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I "$root/lib" -DBOOST_JSON_NO_LIB)

# The matcher's data files, embedded as in the CMake build.
cmake -DDIR="$root/lib/match/data" -DOUT="$out/match_data_embedded.cpp" -P "$root/lib/match/embed_data.cmake"

declare -A sources=(
  [chat_request]="lib/chat/chat_request.cpp lib/chat/plain_chat_request.cpp"
  [sse_parser]="lib/sse/sse_parser.cpp"
  [stream_chunk]="lib/completion/completion_reader.cpp"
  [retry_after]="lib/upstream/retry_policy.cpp lib/core/duration_text.cpp"
  [question_canon]="lib/match/question_canon.cpp lib/match/noun_suffixes.cpp lib/match/number_words.cpp lib/cache/question_normalizer.cpp"
  [body_decoder]="lib/transport/body_decoder.cpp lib/core/error.cpp"
  [request_reader]="lib/http/request_reader.cpp lib/http/inbound_request.cpp lib/http/framing.cpp lib/http/connection_budget.cpp lib/core/logger.cpp lib/core/line_writer.cpp"
  [pii]="lib/pii/pii_detect.cpp lib/pii/pii_mapping.cpp lib/pii/pii_event_restorer.cpp"
)
declare -A libs=(
  [chat_request]="-lboost_json -lfmt"
  [sse_parser]=""
  [stream_chunk]="-lboost_json"
  [retry_after]=""
  [question_canon]="-lboost_locale -licuuc -lstemmer"
  [body_decoder]=""
  [request_reader]="-lfmt"
  [pii]="-lboost_json"
)
declare -A generated=(
  [question_canon]="$out/match_data_embedded.cpp"
)

for target in chat_request sse_parser stream_chunk retry_after question_canon body_decoder request_reader pii; do
  bin="$out/fuzz_$target"
  srcs=("$root/tests/fuzz/fuzz_$target.cpp")
  for s in ${sources[$target]}; do srcs+=("$root/$s"); done
  for s in ${generated[$target]:-}; do srcs+=("$s"); done
  # Rebuild only when a source is newer than the binary.
  if [ ! -x "$bin" ] || [ -n "$(find "${srcs[@]}" "$root/lib" -name '*.hpp' -newer "$bin" -print -quit 2>/dev/null)" ] \
     || [ -n "$(find "${srcs[@]}" -newer "$bin" -print -quit)" ]; then
    echo "fuzz: building $target"
    # shellcheck disable=SC2086
    clang++ "${flags[@]}" "${srcs[@]}" -o "$bin" ${libs[$target]}
  fi
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  cp -n "$root/tests/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
  echo "fuzz: running $target for ${seconds}s"
  ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -artifact_prefix="$out/artifacts/$target-" -print_final_stats=1 "$corpus" >"$out/$target.log" 2>&1 \
    || { tail -n 40 "$out/$target.log"; echo "fuzz: $target FAILED (input in $out/artifacts/)"; exit 1; }
  grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$out/$target.log" | tr '\n' ' '; echo
done
echo "fuzz: all targets passed"
