#include "upstream/circuit_breaker.hpp"

#include <algorithm>

namespace gateway {

circuit_breaker::circuit_breaker(breaker_settings s, clock_fn clock) : settings_(s), clock_(std::move(clock)) {}

bool circuit_breaker::allow() {
  if (settings_.failures == 0) return true;
  std::lock_guard lock(mutex_);
  if (state_ == state::closed) return true;
  const auto now = clock_();
  if (now - since_ < settings_.cooldown) return false;  // open and cooling down, or a probe is out
  state_ = state::half_open;                            // this request is the (next) probe
  since_ = now;
  return true;
}

void circuit_breaker::record_success() {
  std::lock_guard lock(mutex_);
  state_ = state::closed;
  consecutive_ = 0;
}

void circuit_breaker::record_failure() {
  if (settings_.failures == 0) return;
  std::lock_guard lock(mutex_);
  ++consecutive_;
  if (state_ == state::half_open || consecutive_ >= settings_.failures) {
    state_ = state::open;
    since_ = clock_();
  }
}

circuit_breaker::state circuit_breaker::current() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::chrono::milliseconds circuit_breaker::retry_in() const {
  std::lock_guard lock(mutex_);
  if (state_ == state::closed) return std::chrono::milliseconds(0);
  const auto left = settings_.cooldown - std::chrono::duration_cast<std::chrono::milliseconds>(clock_() - since_);
  return std::max(left, std::chrono::milliseconds(0));
}

}  // namespace gateway
