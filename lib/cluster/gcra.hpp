// The Generic Cell Rate Algorithm for per-minute limits, pure: one number per client and limit,
// the theoretical arrival time (TAT). A limit of L per minute allows a burst of L, refilled one
// every 60/L seconds. The same arithmetic runs in-process (no Redis) and in the Lua script that
// shares a limit between instances (rate_limiter.cpp), so both say the same.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace gateway::cluster {

inline constexpr double gcra_window_ms = 60'000;

struct gcra_decision {
  bool allowed = true;
  double tat_ms = 0;       // the new TAT (unchanged when refused)
  std::int64_t remaining = 0;
  double reset_ms = 0;     // until the whole budget is back
  double retry_after_ms = 0;  // when refused: until one unit fits
};

/// Takes `cost` units (0: only asks whether one more would fit) of a `limit`-per-minute budget
/// whose TAT is `tat_ms`, at `now_ms`.
inline gcra_decision gcra(double tat_ms, double now_ms, double limit, double cost) {
  const double interval = gcra_window_ms / limit;
  const double tat = std::max(tat_ms, now_ms);
  const double needed = cost > 0 ? cost : 1;  // a check needs room for one
  gcra_decision d;
  const double after = tat + interval * needed;
  if (after - now_ms > gcra_window_ms + 1e-6) {
    d.allowed = false;
    d.tat_ms = tat_ms;
    d.retry_after_ms = after - now_ms - gcra_window_ms;
    d.remaining = 0;
    d.reset_ms = tat - now_ms;
    return d;
  }
  d.tat_ms = tat + interval * cost;
  d.remaining = static_cast<std::int64_t>(std::floor((gcra_window_ms - (d.tat_ms - now_ms)) / interval + 1e-9));
  d.reset_ms = d.tat_ms - now_ms;
  return d;
}

/// Charges `cost` units after the fact (tokens known once the answer is done): the budget may go
/// into debt, which later checks then wait out.
inline double gcra_charge(double tat_ms, double now_ms, double limit, double cost) {
  return std::max(tat_ms, now_ms) + gcra_window_ms / limit * cost;
}

}  // namespace gateway::cluster
