#include "net/watchdog.hpp"

namespace gateway {

// The alarm's handler runs on the strand and never after the alarm (a member) is gone: `this` holds.
watchdog::watchdog(asio::any_io_executor strand) : alarm_(std::move(strand), [this] { expire(); }) {}

watchdog::~watchdog() { alarm_.stop(); }

void watchdog::expire() {
  if (fired_) return;
  fired_ = cause_;
  if (auto action = std::move(action_)) action();
}

bool watchdog::arm(clock_type::time_point when, error cause, std::function<void()> action) {
  if (fired_) return false;
  cause_ = cause;
  action_ = std::move(action);
  alarm_.set(when);
  return true;
}

void watchdog::disarm() {
  alarm_.clear();
  action_ = nullptr;
}

void watchdog::trigger(error cause) {
  if (triggered_) return;
  triggered_ = true;
  fired_ = cause;
  alarm_.stop();
  if (auto action = std::move(action_)) action();
}

void watchdog::reset() {
  if (!triggered_) fired_.reset();
}

}  // namespace gateway
