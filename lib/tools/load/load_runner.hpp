// chat-bench's engine: runs the load described by a bench_config against the target and measures
// every request. Each thread runs an event loop of its own with its share of the load, its own
// connections and its own histograms (nothing shared while running; merged at the end).
#pragma once

#include "tools/load/bench_config.hpp"
#include "tools/load/hdr_histogram.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace gateway::bench {

struct run_result {
  // Nanoseconds, measured from each request's scheduled start (open loop) or its send (closed loop).
  hdr_histogram ttfb;         // until the response head arrived
  hdr_histogram first_delta;  // streams: until the first content delta
  hdr_histogram gap;          // streams: between consecutive deltas
  hdr_histogram total;        // until the response was complete
  std::uint64_t ok = 0;       // measured requests answered completely
  std::uint64_t measured = 0; // measured requests finished (ok or not)
  std::uint64_t sent = 0;     // every request started, warm-up included
  std::uint64_t bytes = 0;    // response body bytes of measured requests
  std::uint64_t deltas = 0;
  std::uint64_t connections = 0;  // connections opened
  std::uint64_t retried_stale = 0;  // requests sent again: the server had closed the idle connection
  std::map<std::string, std::uint64_t> errors;  // measured failures by kind
  std::chrono::nanoseconds window{0};  // from the end of the warm-up to the last measured answer

  double throughput() const;  // measured requests per second over `window`
  void merge(const run_result& other);
};

/// Runs the load to the end (blocking; the calling thread is not an event loop of anyone's).
/// Throws std::runtime_error when the target cannot be resolved or a file cannot be read.
run_result run_load(const bench_config& cfg);

}  // namespace gateway::bench
