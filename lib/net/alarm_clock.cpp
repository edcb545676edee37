#include "net/alarm_clock.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gateway {

struct alarm_clock::state {
  state(asio::any_io_executor s, std::function<void()> f) : strand(std::move(s)), on_due(std::move(f)) {}
  asio::any_io_executor strand;
  std::function<void()> on_due;                  // null once the alarm is gone
  std::optional<asio::steady_timer> timer;       // made by the first set()
  std::optional<clock_type::time_point> when;    // what is due; empty when nothing is
  bool waiting = false;                          // a wait is pending, until `wait_until`
  clock_type::time_point wait_until{};
  std::uint64_t wait_id = 0;                     // the pending wait; handlers of replaced waits do nothing

  static void ensure_waiting(const std::shared_ptr<state>& st) {
    if (!st->when) return;
    if (st->waiting && st->wait_until <= *st->when) return;  // wakes in time, then looks again
    const auto id = ++st->wait_id;
    if (!st->timer) st->timer.emplace(st->strand);
    st->timer->expires_at(*st->when);  // replaces a later pending wait (its handler sees an old id)
    st->waiting = true;
    st->wait_until = *st->when;
    st->timer->async_wait(asio::bind_executor(st->strand, [st, id](boost::system::error_code ec) {
      if (id != st->wait_id) return;
      st->waiting = false;
      if (ec || !st->when || !st->on_due) return;
      if (clock_type::now() < *st->when) {
        ensure_waiting(st);  // the time moved on since this wait began
        return;
      }
      st->when.reset();
      // A copy: the call may destroy the alarm (and so clear on_due) while it runs; `st` lives on.
      const auto on_due = st->on_due;
      on_due();
    }));
  }
};

alarm_clock::alarm_clock(asio::any_io_executor strand, std::function<void()> on_due)
    : state_(std::make_shared<state>(std::move(strand), std::move(on_due))) {}

alarm_clock::~alarm_clock() {
  state_->on_due = nullptr;
  stop();
}

void alarm_clock::set(clock_type::time_point when) {
  state_->when = when;
  state::ensure_waiting(state_);
}

void alarm_clock::clear() { state_->when.reset(); }

void alarm_clock::stop() {
  clear();
  if (state_->timer && state_->waiting) {
    ++state_->wait_id;
    state_->waiting = false;
    state_->timer->cancel();
  }
}

std::optional<clock_type::time_point> alarm_clock::when() const { return state_->when; }

}  // namespace gateway
