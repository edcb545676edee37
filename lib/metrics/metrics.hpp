// GET /metrics: the gateway's counters and latency histograms, and the Prometheus text exposition
// format (version 0.0.4) written by hand - one small module, no client library. Counters are
// lock-free atomics updated on the request path; the other components' numbers (cache, pool,
// breaker, rate limits) are read from their own stats when /metrics is scraped.
// Threading: thread-safe.
#pragma once

#include "cache/response_cache.hpp"
#include "cache/single_flight.hpp"
#include "upstream/circuit_breaker.hpp"
#include "upstream/rate_limits.hpp"
#include "upstream/upstream_pool.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace gateway {

/// Cumulative-bucket latency histogram (seconds), as Prometheus expects.
class latency_histogram {
 public:
  /// Buckets from 0.5 ms (a cache hit) to 60 s (a long stream).
  latency_histogram();
  explicit latency_histogram(std::vector<double> upper_bounds_seconds);
  void observe(std::chrono::microseconds d);
  /// Appends `name_bucket{...,le="..."}`, `name_sum` and `name_count` lines; `labels` is either
  /// empty or `key="value",` pairs ending with a comma.
  void render(std::string& out, std::string_view name, std::string_view labels = {}) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket (not cumulative); last = +Inf
  std::atomic<std::uint64_t> sum_us_{0}, count_{0};
};

enum class route_id : unsigned { chat, chat_completions, models, healthz, readyz, metrics, other, count_ };
std::string_view route_name(route_id r);

/// How an upstream attempt ended.
enum class attempt_outcome : unsigned { ok, rate_limited, client_error, server_error, transport, timeout, count_ };
std::string_view outcome_name(attempt_outcome o);

class gateway_metrics {
 public:
  gateway_metrics();

  void request_started() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  /// `status` 0 means the client went away before any response (counted as 499).
  void request_finished(route_id r, unsigned status, std::chrono::microseconds duration);
  void stream_opened() { open_streams_.fetch_add(1, std::memory_order_relaxed); }
  void stream_closed() { open_streams_.fetch_sub(1, std::memory_order_relaxed); }
  void attempt(attempt_outcome o) { attempts_[static_cast<unsigned>(o)].fetch_add(1, std::memory_order_relaxed); }
  void retry() { retries_.fetch_add(1, std::memory_order_relaxed); }
  /// Time from the start of an upstream call to the upstream's response head.
  void upstream_first_byte(std::chrono::microseconds d) { upstream_ttfb_.observe(d); }
  /// The gateway's own share of a request that went upstream: before the upstream call plus after
  /// the upstream's last byte.
  void added_latency(std::chrono::microseconds d) { added_.observe(d); }

  /// Everything /metrics shows that lives elsewhere, read at scrape time.
  struct sources {
    std::optional<cache_stats> cache;  // nullopt: cache off
    flight_stats flights;
    pool_stats pool;
    circuit_breaker::state breaker = circuit_breaker::state::closed;
    rate_limit_snapshot rate_limits;
  };
  std::string render(const sources& s) const;

 private:
  static constexpr unsigned statuses = 600;
  std::atomic<std::int64_t> in_flight_{0}, open_streams_{0};
  std::unique_ptr<std::atomic<std::uint64_t>[]> requests_;  // [route][status]
  std::array<std::atomic<std::uint64_t>, static_cast<unsigned>(attempt_outcome::count_)> attempts_{};
  std::atomic<std::uint64_t> retries_{0};
  std::array<latency_histogram, static_cast<unsigned>(route_id::count_)> durations_;
  latency_histogram upstream_ttfb_;
  latency_histogram added_{{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1}};
};

}  // namespace gateway
