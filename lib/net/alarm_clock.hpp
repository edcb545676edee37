// A deadline that moves often, kept on one timer: set() only stores the time, and one timer wait
// stays pending at or before it; a wait that wakes early (the time moved on since) waits again,
// and the timer is re-armed only when a time comes earlier than the pending wait. A stream moves
// its deadlines with every read and write (thousands of times a second across streams), so moving
// one must not cost a timer operation. The watchdog's deadlines and a stream's keep-alive clock
// (http/downstream.hpp) are alarm clocks.
//
// Threading: strand-only. `on_due` runs on the strand given at construction, never after the alarm
// is destroyed; the timer is made by the first set(), so an alarm never set costs nothing.
#pragma once

#include "core/clock.hpp"
#include "net/asio_fwd.hpp"

#include <functional>
#include <memory>
#include <optional>

namespace gateway {

class alarm_clock {
 public:
  alarm_clock(asio::any_io_executor strand, std::function<void()> on_due);
  ~alarm_clock();
  alarm_clock(const alarm_clock&) = delete;
  alarm_clock& operator=(const alarm_clock&) = delete;

  /// `on_due` runs once `when` has passed (once per set()), unless set() or clear() comes first.
  void set(clock_type::time_point when);
  /// Nothing is due any more; a wait already pending wakes and does nothing.
  void clear();
  /// clear(), and the pending wait is cancelled too: it holds no reactor entry until the next set().
  void stop();
  std::optional<clock_type::time_point> when() const;

 private:
  struct state;  // shared with the pending wait's handler, which may run after the alarm is gone
  std::shared_ptr<state> state_;
};

}  // namespace gateway
