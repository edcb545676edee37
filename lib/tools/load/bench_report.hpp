// chat-bench's output: a table for people and JSON for docs and scripts. Pure formatting.
#pragma once

#include "tools/load/bench_config.hpp"
#include "tools/load/load_runner.hpp"

#include <string>

namespace gateway::bench {

/// p50, p90, p99, p99.9 and max of each latency in milliseconds, then throughput, bytes and errors.
std::string report_table(const bench_config& cfg, const run_result& r);

/// {"label", "settings": {...}, "requests": {...}, "latency_ms": {"ttfb": {"p50", ...}, ...}, "errors": {...}}
std::string report_json(const bench_config& cfg, const run_result& r);

}  // namespace gateway::bench
