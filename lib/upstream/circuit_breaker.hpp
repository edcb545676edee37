// Fails fast while the upstream is down: after BREAKER_FAILURES consecutive failed attempts the
// breaker opens and requests get 503 `upstream_unavailable` at once for BREAKER_COOLDOWN; then one
// probe is let through (half-open): its success closes the breaker, its failure opens it again.
// A probe whose outcome never comes (its client left) does not wedge the breaker: after another
// cooldown the next request probes.
// Threading: thread-safe (one mutex, held for a few assignments). The clock is injected for tests.
#pragma once

#include "core/clock.hpp"

#include <chrono>
#include <functional>
#include <mutex>

namespace gateway {

struct breaker_settings {
  unsigned failures = 5;                       // BREAKER_FAILURES; 0 turns the breaker off
  std::chrono::milliseconds cooldown{10'000};  // BREAKER_COOLDOWN
};

class circuit_breaker {
 public:
  enum class state { closed, open, half_open };
  using clock_fn = std::function<clock_type::time_point()>;

  explicit circuit_breaker(breaker_settings s, clock_fn clock = [] { return clock_type::now(); });

  /// May an attempt go upstream now? In half-open state only the probe may.
  bool allow();
  void record_success();
  void record_failure();

  state current() const;
  /// How long until the next probe may go (0 when closed): the Retry-After of a fast 503.
  std::chrono::milliseconds retry_in() const;

 private:
  const breaker_settings settings_;
  const clock_fn clock_;
  mutable std::mutex mutex_;
  state state_ = state::closed;
  unsigned consecutive_ = 0;
  clock_type::time_point since_{};  // when it opened, or when the probe went
};

}  // namespace gateway
