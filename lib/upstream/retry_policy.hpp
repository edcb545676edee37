// When and how long to wait before trying the upstream again. Pure functions, unit-tested and
// fuzzed (the Retry-After parser sees whatever the upstream sends).
//
// Retried: connection and TLS failures, a connect or first-byte timeout, and the statuses Groq uses
// for transient trouble (408, 409, 429, 500, 502, 503, 504) - only before anything reached the
// client. Never retried: other 4xx (400, 401, 403, 404, 413, 422) and 498 (Groq flex capacity:
// fail fast, as Groq asks).
#pragma once

#include "core/error.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace gateway {

struct retry_settings {
  unsigned max_retries = 2;  // UPSTREAM_MAX_RETRIES: 3 attempts in all
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds cap{8'000};
  std::chrono::milliseconds max_retry_after{60'000};  // a longer Retry-After is not waited for
};

bool retryable_status(unsigned status);
/// Transport failures and timeouts of an attempt that produced no response.
bool retryable_error(error e);

/// The wait the upstream asks for: `retry-after-ms` (milliseconds, may be fractional) wins over
/// `retry-after` (delay-seconds or an HTTP-date, RFC 9110 10.2.3; IMF-fixdate, RFC 850 and asctime
/// forms). nullopt when neither is present or parseable; a date in the past is a zero wait.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view retry_after_ms,
                                                           std::string_view retry_after,
                                                           std::chrono::system_clock::time_point now);

/// Parses an HTTP-date to a point in time; nullopt when it is not one. Seconds, not the system
/// clock's nanoseconds: those overflow after the year 2262, and a header may say 9999.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text);

/// Exponential backoff before retry number `retry` (0 = the first retry): min(base * 2^retry, cap)
/// times `jitter`, which the caller draws uniformly from [0.75, 1].
std::chrono::milliseconds backoff_delay(unsigned retry, double jitter, const retry_settings& s);

}  // namespace gateway
