// One logical upstream call with the resilience around it: the circuit breaker, retries with
// backoff that honour the upstream's Retry-After, the mapping of upstream statuses to gateway
// errors (with the API key redacted from anything passed on), and the last rate-limit headers seen.
// Every endpoint asks the upstream through this, so all share one behaviour.
//
// Retries happen only here, i.e. before the caller has sent anything to its client. Waits are
// Asio timers on the caller's strand guarded by the caller's watchdog (a client that leaves during
// a wait cancels it); a wait that would end past the request deadline is not started.
#pragma once

#include "core/logger.hpp"
#include "upstream/circuit_breaker.hpp"
#include "upstream/rate_limits.hpp"
#include "upstream/retry_policy.hpp"
#include "upstream/upstream_client.hpp"
#include "upstream/upstream_observer.hpp"

#include <memory>
#include <optional>
#include <random>
#include <string>

namespace gateway {

/// Why a call failed, ready to be shown to a client.
struct upstream_failure {
  error code = error::upstream_closed;
  std::string message;      // may be empty: the caller then uses a generic one for `code`
  std::string retry_after;  // passed on with 429 (and the breaker's 503)
};

struct upstream_outcome {
  std::unique_ptr<upstream_exchange> exchange;  // set when the upstream answered 200
  std::optional<upstream_failure> failure;      // set otherwise
  unsigned attempts = 0;
  unsigned upstream_status = 0;  // the last HTTP status seen, 0 when none
  std::chrono::microseconds first_byte{-1};  // call start to the last response head; < 0: none
};

class upstream_caller {
 public:
  /// `observer` (optional) receives each attempt's outcome, retries and the time to first byte.
  upstream_caller(upstream_client& client, retry_settings retry, breaker_settings breaker, logger log,
                  upstream_observer* observer = nullptr);

  /// POSTs `body` to `target`, retrying as the policy allows, until a 200 head or a final failure.
  net::awaitable<upstream_outcome> call(std::string_view target, std::string body, watchdog& wd,
                                        request_deadlines d, std::string_view request_id,
                                        boost::beast::http::verb method = boost::beast::http::verb::post);

  upstream_client& client() { return client_; }
  const provider& upstream() const { return client_.settings().upstream; }
  const circuit_breaker& breaker() const { return breaker_; }
  rate_limit_snapshot rate_limits() const { return rate_limits_.get(); }
  std::uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }

 private:
  /// The failure an upstream error status means; reads the (bounded) error body.
  net::awaitable<upstream_failure> failure_for(upstream_exchange& ex);
  /// Waits `delay` unless that passes the deadline or the watchdog fires; false when not waited.
  net::awaitable<bool> wait(std::chrono::milliseconds delay, watchdog& wd, request_deadlines d);
  double jitter();

  upstream_client& client_;
  const retry_settings retry_;
  circuit_breaker breaker_;
  rate_limit_state rate_limits_;
  logger log_;
  upstream_observer* metrics_;
  std::atomic<std::uint64_t> retries_{0};
  std::mutex random_mutex_;
  std::minstd_rand random_;
};

}  // namespace gateway
