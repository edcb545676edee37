// The upstream routes: every Groq key (GROQ_API_KEYS) times every model (MODEL, then
// FALLBACK_MODELS). Groq limits requests and tokens per organization and per model, so each key x
// model is a route with its own budget - what the last x-ratelimit-* headers said is left and when
// it resets, less what was sent since - its own circuit breaker and its own counters.
// upstream_caller asks which routes a request may take and tells a route what each answer said;
// nothing here does I/O. A key appears only as its position (#1, #2, ...), never as text.
//
// The budget is conservative: a route whose remaining requests or tokens reached 0 (or that
// answered 429 with its limits attached) is not used again before the reset it gave; each request
// sent takes one from the remaining requests at once, so concurrent requests never overshoot what
// the headers allowed; after a reset the route counts from its limit again.
// Threading: thread-safe (a mutex per route, held for a few assignments). The clock is injected.
#pragma once

#include "core/clock.hpp"
#include "core/logger.hpp"
#include "upstream/circuit_breaker.hpp"
#include "upstream/rate_limits.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

/// What /metrics shows of one route.
struct route_stats {
  std::size_t key = 0;  // 1-based position in GROQ_API_KEYS
  std::string model;
  std::uint64_t attempts = 0, rate_limited = 0, fallbacks = 0;
  std::optional<std::uint64_t> remaining_requests, remaining_tokens;
  bool exhausted = false;
  circuit_breaker::state breaker = circuit_breaker::state::closed;
  /// MODEL or one of FALLBACK_MODELS; false for a model a client named (and the catch-all), whose
  /// name the client chose: /metrics gives those no label of their own.
  bool configured = true;
};

class upstream_route {
 public:
  using clock_fn = circuit_breaker::clock_fn;
  upstream_route(std::size_t key, std::string model, bool tracked, breaker_settings breaker, clock_fn clock,
                 logger log);
  upstream_route(const upstream_route&) = delete;
  upstream_route& operator=(const upstream_route&) = delete;

  std::size_t key() const { return key_; }  // 0-based index into the keys
  const std::string& model() const { return model_; }
  /// "key #2 llama-3.1-8b-instant", for logs.
  std::string label() const;

  /// When the budget refuses a request now: the time it resets. nullopt: a request may go.
  std::optional<clock_type::time_point> blocked_until() const;
  /// Takes one request from the budget for a request about to be sent; false when blocked.
  bool take();
  /// What an answer's headers (and status) said of the budget. `retry_after`: the answer's own.
  void observe(const rate_limit_snapshot& s, unsigned status, std::optional<std::chrono::milliseconds> retry_after);

  circuit_breaker& breaker() { return breaker_; }
  const circuit_breaker& breaker() const { return breaker_; }
  void count_attempt() { attempts_.fetch_add(1, std::memory_order_relaxed); }
  void count_rate_limited() { rate_limited_.fetch_add(1, std::memory_order_relaxed); }
  void count_fallback() { fallbacks_.fetch_add(1, std::memory_order_relaxed); }
  route_stats stats() const;

 private:
  // One of Groq's two budgets (requests, tokens).
  struct window {
    std::optional<std::uint64_t> limit, remaining;
    std::optional<clock_type::time_point> reset_at;
  };
  /// A window whose reset has passed starts again from its limit (caller holds the mutex).
  void refresh(window& w, clock_type::time_point now) const;
  std::optional<clock_type::time_point> blocked_locked(clock_type::time_point now) const;
  /// Logs the route's passage between exhausted and usable (caller holds the mutex).
  void note_exhaustion(clock_type::time_point now) const;

  const std::size_t key_;
  const std::string model_;
  const bool tracked_;  // false: a catch-all route for models past the tracked ones - no budget
  circuit_breaker breaker_;
  const clock_fn clock_;
  const logger log_;
  mutable std::mutex mutex_;
  mutable window requests_, tokens_;
  clock_type::time_point refused_until_{};  // a 429 with its limits attached: refused until then
  mutable bool exhausted_ = false;          // last logged state
  std::atomic<std::uint64_t> attempts_{0}, rate_limited_{0}, fallbacks_{0};
};

class upstream_routes {
 public:
  using clock_fn = upstream_route::clock_fn;
  /// `keys` routes per model (at least 1: an empty key sends no Authorization header); `models`
  /// in order, MODEL first, then FALLBACK_MODELS.
  upstream_routes(std::size_t keys, std::vector<std::string> models, breaker_settings breaker, logger log,
                  clock_fn clock = [] { return clock_type::now(); });

  /// The routes a request for `model` may take, in the order to try them: for MODEL (or "") every
  /// key of MODEL, then every key of each fallback model; for any other model (a /v1 client's
  /// choice) every key of that model alone - a client that names a model gets that model.
  std::span<upstream_route* const> plan(std::string_view model);
  const std::string& primary_model() const { return models_.front(); }
  /// MODEL, then FALLBACK_MODELS: the models routed with their own budgets.
  const std::vector<std::string>& models() const { return models_; }
  std::size_t keys() const { return keys_; }
  /// The model name of the catch-all routes (models past the tracked ones; never sent upstream).
  static constexpr std::string_view other_model = "(other)";

  std::vector<route_stats> stats() const;
  /// The best breaker state of MODEL's plan: closed while any route is closed.
  circuit_breaker::state breaker_state() const;

 private:
  static constexpr std::size_t max_other_models = 32;  // models a /v1 client named, tracked apart
  std::vector<upstream_route*>& add_model(const std::string& model, bool tracked);

  const std::size_t keys_;
  const std::vector<std::string> models_;
  const breaker_settings breaker_;
  const logger log_;
  const clock_fn clock_;
  mutable std::mutex mutex_;  // guards the maps (routes are created for models clients name)
  std::deque<upstream_route> routes_;  // stable addresses
  std::vector<upstream_route*> primary_plan_;
  std::map<std::string, std::vector<upstream_route*>, std::less<>> by_model_;
  std::vector<upstream_route*> other_;  // past max_other_models: one untracked route per key
};

}  // namespace gateway
