// GET /metrics: the gateway's counters and latency histograms, and the Prometheus text exposition
// format (version 0.0.4) written by hand - one small module, no client library. Counters are
// lock-free atomics updated on the request path; the other components' numbers (cache, pool,
// breaker, rate limits) are read from their own stats when /metrics is scraped.
// Threading: thread-safe.
#pragma once

#include "cache/response_cache.hpp"
#include "cache/single_flight.hpp"
#include "pii/pii_kind.hpp"
#include "redis/redis_client.hpp"
#include "upstream/circuit_breaker.hpp"
#include "upstream/rate_limits.hpp"
#include "upstream/upstream_routes.hpp"
#include "upstream/upstream_observer.hpp"
#include "transport/upstream_pool.hpp"

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

std::string_view outcome_name(attempt_outcome o);

/// A route as the metrics label it: the router's rows name them (see gateway/routes.hpp).
struct route_label {
  std::string name;    // the `route` label, e.g. "/chat"
  bool timed = true;   // false: no duration histogram (/metrics itself)
};

/// The shared tier's own numbers, read at scrape time (all absent without REDIS_URL).
struct shared_tier_sources {
  bool configured = false;  // REDIS_URL set
  bool up = false;
  std::uint64_t limited_requests = 0, limited_tokens = 0;  // rate-limit refusals, by reason
  std::uint64_t limit_checks_shared = 0, limit_checks_local = 0;  // decided by Redis / by this instance
  bool limits = false;      // RATE_LIMIT_RPM or _TPM set
  // Coalescing across instances: questions led for all, followed from another instance,
  // followed leaders that died, and followed streams that missed a piece.
  std::uint64_t flights_led = 0, flights_followed = 0, leaders_lost = 0, stream_gaps = 0;
};

/// The client-connection budgets (MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT,
/// CONNECTION_RATE_PER_CLIENT, MAX_INFLIGHT_REQUEST_BYTES), read at scrape time.
struct connection_sources {
  bool configured = false;  // false: none of these is rendered (groq-sim, tests without a budget)
  std::uint64_t open = 0, max = 0;
  std::uint64_t refused_max = 0, refused_per_client = 0, refused_rate = 0;
  std::uint64_t bodies_refused = 0, inflight_body_bytes = 0, inflight_body_budget = 0;  // budget 0: off
};

/// Live reload (SIGHUP): the configuration generation new requests get, and the reloads so far.
struct config_sources {
  std::uint64_t generation = 0;  // 0: none of these is rendered (groq-sim)
  std::uint64_t reloads_applied = 0, reloads_unchanged = 0, reloads_refused = 0;
};

/// OpenTelemetry traces (OTEL_*): spans handed to the exporter, by what became of them.
struct trace_sources {
  bool configured = false;  // none of these is rendered without an exporter
  std::uint64_t exported = 0, dropped = 0, failed = 0;
};

class gateway_metrics final : public upstream_observer, public redis::redis_observer {
 public:
  /// `routes` are the labels of gateway_requests_total and the duration histograms, indexed as
  /// request_finished() gets them; an index past the end counts as "other".
  explicit gateway_metrics(std::vector<route_label> routes = {});
  ~gateway_metrics();

  void request_started() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  /// `status` 0 means the client went away before any response (counted as 499).
  void request_finished(std::size_t route, unsigned status, std::chrono::microseconds duration);
  void stream_opened() { open_streams_.fetch_add(1, std::memory_order_relaxed); }
  void stream_closed() { open_streams_.fetch_sub(1, std::memory_order_relaxed); }
  void attempt(attempt_outcome o) override {
    attempts_[static_cast<unsigned>(o)].fetch_add(1, std::memory_order_relaxed);
  }
  void retry() override { retries_.fetch_add(1, std::memory_order_relaxed); }
  void upstream_first_byte(std::chrono::microseconds d) override { upstream_ttfb_.observe(d); }
  /// The gateway's own share of a request that went upstream: before the upstream call plus after
  /// the upstream's last byte.
  void added_latency(std::chrono::microseconds d) { added_.observe(d); }
  void redis_command(redis::redis_errc outcome, std::chrono::microseconds latency) override;
  void redis_connection(bool up) override {
    if (!up) redis_disconnects_.fetch_add(1, std::memory_order_relaxed);
  }
  /// Personal data a request carried, replaced by placeholders: occurrences per kind (counts only).
  void pii_protected(const std::array<std::uint32_t, pii_kind_count>& replaced) {
    for (std::size_t k = 0; k < pii_kind_count; ++k)
      if (replaced[k]) pii_values_[k].fetch_add(replaced[k], std::memory_order_relaxed);
  }
  /// A cache hit served for the same words (exact) or for a question asked in other words (similar).
  void cache_hit(bool similar) { (similar ? similar_hits_ : exact_hits_).fetch_add(1, std::memory_order_relaxed); }

  /// Everything /metrics shows that lives elsewhere, read at scrape time.
  struct sources {
    std::optional<cache_stats> cache;  // nullopt: cache off
    flight_stats flights;
    pool_stats pool;
    circuit_breaker::state breaker = circuit_breaker::state::closed;
    rate_limit_snapshot rate_limits;
    std::vector<route_stats> routes;    // every upstream key x model (keys by position)
    std::uint64_t spent_refusals = 0;   // 429s answered without an upstream call
    shared_tier_sources shared;
    connection_sources connections;
    config_sources config;
    trace_sources traces;
    /// Requests in flight not to show: the /metrics request that renders this does not count itself.
    std::int64_t in_flight_excluded = 0;
  };
  std::string render(const sources& s) const;

 private:
  static constexpr unsigned statuses = 600;
  std::atomic<std::int64_t> in_flight_{0}, open_streams_{0};
  std::vector<route_label> routes_;  // the given ones, then "other"
  std::unique_ptr<std::atomic<std::uint64_t>[]> requests_;  // [route][status]
  std::array<std::atomic<std::uint64_t>, static_cast<unsigned>(attempt_outcome::count_)> attempts_{};
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::uint64_t> exact_hits_{0}, similar_hits_{0};
  std::array<std::atomic<std::uint64_t>, pii_kind_count> pii_values_{};  // values replaced, per kind
  std::vector<std::unique_ptr<latency_histogram>> durations_;  // per route
  latency_histogram upstream_ttfb_;
  latency_histogram added_{{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1}};
  // Redis commands by outcome (redis_errc), their latency, and connections lost.
  std::array<std::atomic<std::uint64_t>, 5> redis_commands_{};
  std::atomic<std::uint64_t> redis_disconnects_{0};
  latency_histogram redis_latency_{{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1}};
};

}  // namespace gateway
