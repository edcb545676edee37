// Groq's x-ratelimit-* response headers: read into a snapshot (resets parsed from Go's duration
// format, "6s", "1m30.5s", "2.3ms"), which the route budgets (upstream_routes) and /metrics use;
// a warning is logged when the remaining requests or tokens fall under 10 % of the limit.
// Threading: rate_limit_state is thread-safe; the rest is pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace gateway {

struct rate_limit_snapshot {
  std::optional<std::uint64_t> limit_requests, remaining_requests;  // per day at Groq
  std::optional<std::uint64_t> limit_tokens, remaining_tokens;      // per minute at Groq
  std::string reset_requests, reset_tokens;                         // as sent, e.g. "2m59.56s"
  /// The resets parsed (core/duration_text); nullopt when absent or unreadable.
  std::optional<std::chrono::microseconds> reset_requests_in, reset_tokens_in;
  bool any() const { return limit_requests || remaining_requests || limit_tokens || remaining_tokens; }
};

/// Reads the headers through `header` (returns "" for an absent header). Unparseable numbers are
/// treated as absent.
rate_limit_snapshot parse_rate_limits(const std::function<std::string(std::string_view)>& header);

/// Remaining requests or tokens under 10 % of their limit.
bool running_low(const rate_limit_snapshot& s);

class rate_limit_state {
 public:
  /// Keeps `s` when it carries any value (responses without the headers change nothing).
  void update(const rate_limit_snapshot& s);
  rate_limit_snapshot get() const;

 private:
  mutable std::mutex mutex_;
  rate_limit_snapshot last_;
};

}  // namespace gateway
