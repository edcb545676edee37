#include "net/watchdog.hpp"

#include <boost/asio/bind_executor.hpp>

namespace gateway {

watchdog::watchdog(asio::any_io_executor strand)
    : strand_(std::move(strand)), state_(std::make_shared<state>()) {}

watchdog::~watchdog() {
  disarm();
  if (state_->timer) state_->timer->cancel();
}

void watchdog::ensure_waiting(const std::shared_ptr<state>& st, const asio::any_io_executor& strand) {
  if (!st->when || st->fired) return;
  if (st->waiting && st->wait_until <= *st->when) return;  // wakes in time; then looks again
  const auto id = ++st->wait_id;
  if (!st->timer) st->timer.emplace(strand);
  st->timer->expires_at(*st->when);  // replaces a later pending wait (its handler sees an old id)
  st->waiting = true;
  st->wait_until = *st->when;
  st->timer->async_wait(asio::bind_executor(strand, [st, id, strand](boost::system::error_code ec) {
    if (id != st->wait_id) return;
    st->waiting = false;
    if (ec || !st->when || st->fired) return;
    if (clock_type::now() < *st->when) {
      ensure_waiting(st, strand);  // the deadline moved on since this wait began
      return;
    }
    st->fired = st->cause;
    st->when.reset();
    if (auto action = std::move(st->action)) action();
  }));
}

bool watchdog::arm(clock_type::time_point when, error cause, std::function<void()> action) {
  if (state_->fired) return false;
  state_->when = when;
  state_->cause = cause;
  state_->action = std::move(action);
  ensure_waiting(state_, strand_);
  return true;
}

void watchdog::disarm() {
  state_->when.reset();
  state_->action = nullptr;
}

void watchdog::trigger(error cause) {
  if (state_->triggered) return;
  state_->triggered = true;
  state_->fired = cause;
  state_->when.reset();
  if (state_->timer) state_->timer->cancel();
  if (auto action = std::move(state_->action)) action();
}

void watchdog::reset() {
  if (!state_->triggered) state_->fired.reset();
}

}  // namespace gateway
