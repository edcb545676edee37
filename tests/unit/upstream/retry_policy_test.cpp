#include "upstream/retry_policy.hpp"

#include <catch2/catch.hpp>

using namespace gateway;
using namespace std::chrono_literals;

namespace {
std::chrono::system_clock::time_point at(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d)) +
         std::chrono::hours(hh) + std::chrono::minutes(mm) + std::chrono::seconds(ss);
}
}  // namespace

TEST_CASE("retry: which statuses and failures are retried", "[retry]") {
  for (unsigned s : {408u, 409u, 429u, 500u, 502u, 503u, 504u}) CHECK(retryable_status(s));
  for (unsigned s : {200u, 400u, 401u, 403u, 404u, 413u, 422u, 498u, 501u}) CHECK_FALSE(retryable_status(s));
  CHECK(retryable_error(error::upstream_connect_failed));
  CHECK(retryable_error(error::upstream_tls_failed));
  CHECK(retryable_error(error::upstream_closed));
  CHECK(retryable_error(error::upstream_connect_timeout));
  CHECK(retryable_error(error::upstream_first_byte_timeout));
  CHECK_FALSE(retryable_error(error::request_timeout));
  CHECK_FALSE(retryable_error(error::client_gone));
  CHECK_FALSE(retryable_error(error::upstream_protocol_error));
}

TEST_CASE("retry: Retry-After in its three forms", "[retry]") {
  const auto now = at(2026, 11, 28, 12, 0, 0);
  CHECK(parse_retry_after("", "7", now) == 7s);
  CHECK(parse_retry_after("", " 0 ", now) == 0s);
  CHECK(parse_retry_after("", "1.5", now) == 1500ms);
  CHECK(parse_retry_after("250", "7", now) == 250ms);  // retry-after-ms wins
  CHECK(parse_retry_after("12.7", "", now) == 12ms);
  CHECK(parse_retry_after("junk", "3", now) == 3s);    // an unreadable ms header falls back
  // HTTP-dates: IMF-fixdate, RFC 850, asctime.
  CHECK(parse_retry_after("", "Sat, 28 Nov 2026 12:00:05 GMT", now) == 5s);
  CHECK(parse_retry_after("", "Saturday, 28-Nov-26 12:01:00 GMT", now) == 60s);
  CHECK(parse_retry_after("", "Sat Nov 28 12:00:02 2026", now) == 2s);
  CHECK(parse_retry_after("", "Sat Nov  8 12:00:02 2026", now) == 0ms);  // in the past: no wait
  CHECK(parse_retry_after("", "Fri, 27 Nov 2026 12:00:00 GMT", now) == 0ms);
  // Not Retry-After values.
  for (auto bad : {"", "-1", "+3", "1e3", "abc", "3 s", "1..2", ".", "Sat, 28 Nov 2026 12:00:05 UTC",
                   "Sat, 31 Feb 2026 12:00:05 GMT", "Sat, 28 Nov 2026 25:00:05 GMT", "Sat, 28 Foo 2026 12:00:05 GMT",
                   "Sat, 28 Nov 2026 12:00 GMT", "Sat, 28 Nov 2026 12:00:05 GMT extra words here"})
    CHECK_FALSE(parse_retry_after("", bad, now));
  // Huge values stay defined (capped at a day); the caller compares with its own limit.
  CHECK(parse_retry_after("", "99999999999999999999", now) == 86'400'000ms);
  // Found by the fuzzer: a date after 2262 overflowed the system clock's nanoseconds.
  CHECK(parse_retry_after("", "Sun Nov  6 08:49:37 9194", now) == 86'400'000ms);
  CHECK(parse_retry_after("", "Fri, 31 Dec 9999 23:59:59 GMT", now) == 86'400'000ms);
}

TEST_CASE("retry: exponential backoff with jitter, capped", "[retry]") {
  const retry_settings s;
  CHECK(backoff_delay(0, 1.0, s) == 500ms);
  CHECK(backoff_delay(1, 1.0, s) == 1000ms);
  CHECK(backoff_delay(2, 0.75, s) == 1500ms);
  CHECK(backoff_delay(4, 1.0, s) == 8000ms);
  CHECK(backoff_delay(10, 1.0, s) == 8000ms);
  CHECK(backoff_delay(1000, 0.75, s) == 6000ms);
}
