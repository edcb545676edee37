#include "net/watchdog.hpp"

#include <boost/asio/bind_executor.hpp>

namespace gateway {

watchdog::watchdog(net::any_io_executor strand)
    : strand_(std::move(strand)), state_(std::make_shared<state>()), timer_(strand_) {}

watchdog::~watchdog() { disarm(); }

bool watchdog::arm(clock_type::time_point when, error cause, std::function<void()> action) {
  if (state_->fired) return false;
  const auto generation = ++state_->generation;
  state_->action = std::move(action);
  timer_.expires_at(when);
  // The handler holds the state, not the watchdog: it may run after the watchdog is gone.
  timer_.async_wait(net::bind_executor(
      strand_, [st = state_, generation, cause](boost::system::error_code ec) {
        if (ec || st->generation != generation || st->fired) return;
        st->fired = cause;
        if (auto action = std::move(st->action)) action();
      }));
  return true;
}

void watchdog::disarm() {
  ++state_->generation;
  state_->action = nullptr;
  timer_.cancel();
}

void watchdog::trigger(error cause) {
  if (state_->triggered) return;
  state_->triggered = true;
  state_->fired = cause;
  ++state_->generation;
  timer_.cancel();
  if (auto action = std::move(state_->action)) action();
}

void watchdog::reset() {
  if (!state_->triggered) state_->fired.reset();
}

}  // namespace gateway
