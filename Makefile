# The two commands of the quick start:
#   make run   - install missing packages, build the gateway and groq-sim (Release; not the test
#                suite), start the gateway (with groq-sim offline)
#   make test  - install missing packages, build everything, run every test, then again under
#                ASan + UBSan, the cache tests under ThreadSanitizer, and each libFuzzer target for
#                FUZZ_SECONDS (30)
# Both use one Release tree, configured the same way (tests on): `make test` after `make run`
# compiles only what `make run` left out.
.PHONY: run test build apps configure deps clean format

RELEASE := build/release
ASAN := build/asan
TSAN := build/tsan
JOBS ?= $(shell nproc)
CMAKE_FLAGS := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DGATEWAY_BUILD_TESTS=ON
# The sanitizer build at -O1 with line tables only (-g1: what ASan's reports need) and assertions
# on: it compiles in about 60 % of -O2 -g's time, the largest part of a fresh machine's make test.
ASAN_FLAGS := '-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1'
# ccache must not mind the precompiled headers; paths under the checkout are hashed relative to it,
# so another clone of the project (CI's) reuses what this one compiled.
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_DIR ?= $(HOME)/.cache/ccache

deps:
	@docker/install-deps.sh

configure: deps
	@cmake -S . -B $(RELEASE) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Release >/dev/null

# Every target: the apps, the test suite, the micro-benchmarks, chat-bench.
build: configure
	@cmake --build $(RELEASE) -j $(JOBS)

# What docker/run-local.sh starts, and only that: gateway_lib and two mains, not the test suite,
# the micro-benchmarks or chat-bench (docs/operations.md has what it saves).
apps: configure
	@cmake --build $(RELEASE) -j $(JOBS) --target chat-gateway groq-sim

run: apps
	@docker/run-local.sh $(RELEASE)/app

test: build
	cd $(RELEASE) && ctest -j $(JOBS) --output-on-failure --no-tests=error
	@cmake -S . -B $(ASAN) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(ASAN_FLAGS) -DGATEWAY_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest -j $(JOBS) --output-on-failure --no-tests=error
	@cmake -S . -B $(TSAN) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug -DGATEWAY_TSAN=ON >/dev/null
	@cmake --build $(TSAN) -j $(JOBS)
	cd $(TSAN) && TSAN_OPTIONS=halt_on_error=1 ctest -j $(JOBS) --output-on-failure --no-tests=error
	tests/fuzz/run.sh build/fuzz

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
