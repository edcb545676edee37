// A deadline for whatever operation a request is waiting on. Each phase arms it with a time, the
// cause to report (which deadline it is) and an action that makes the pending operation fail
// (close the socket, cancel the resolver). The pending operation then completes with
// operation_aborted and the caller asks fired() for the real cause.
//
// Arming is cheap: a stream re-arms the watchdog before every upstream read (thousands of times a
// second across streams), so the deadline is an alarm (net/alarm_clock.hpp): arm() and disarm() only
// store it.
//
// Threading: strand-only. The timer's handler is bound to the strand given at construction, the
// same strand the request's coroutine runs on, so the action never races with the operation.
#pragma once

#include "core/error.hpp"
#include "net/alarm_clock.hpp"
#include "net/asio_fwd.hpp"

#include <functional>
#include <memory>
#include <optional>

namespace gateway {

class watchdog {
 public:
  explicit watchdog(asio::any_io_executor strand);
  ~watchdog();
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

  /// Guards the next operation until `when`. Returns false, and runs nothing, when the watchdog
  /// has already fired (the caller must then fail with fired()).
  bool arm(clock_type::time_point when, error cause, std::function<void()> action);
  /// Stops guarding; an expiry already queued does nothing.
  void disarm();
  /// Fires now with `cause`, e.g. when the client went away. Later arm() calls return false.
  /// A trigger replaces a cause set by an expired deadline; the first trigger wins.
  void trigger(error cause);
  /// Forgets a cause set by an expired deadline (not one set by trigger()), so that a retry of
  /// the same phase can be guarded again.
  void reset();
  std::optional<error> fired() const { return fired_; }

 private:
  void expire();

  alarm_clock alarm_;
  error cause_ = error::request_timeout;
  std::function<void()> action_;
  std::optional<error> fired_;
  bool triggered_ = false;  // fired by trigger(), not by a deadline
};

/// The earlier of two deadlines together with the cause that belongs to it.
struct deadline {
  clock_type::time_point when;
  error cause;
};
inline deadline earliest(deadline a, deadline b) { return b.when < a.when ? b : a; }

}  // namespace gateway
