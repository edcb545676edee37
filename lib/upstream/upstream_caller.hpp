// One logical upstream call with the resilience around it: the choice of route (key x model, see
// upstream_routes) before each attempt, retries with backoff that honour the upstream's
// Retry-After, the move to the next key and then the next model, the mapping of upstream statuses
// to gateway errors (with every API key redacted from anything passed on), and the last rate-limit
// headers seen. Every endpoint asks the upstream through this, so all share one behaviour.
//
// Routing (docs/api.md, "Keys and fallback models"): a route whose budget is known to be spent is
// not tried; a 429 moves the attempt to the next route at once (or, when no other route has
// budget, waits for its Retry-After as a retry); a 5xx or timeout moves on after the route's
// retries; 401/403 (that key's fault) moves to the next key; other 4xx are the request's fault and
// final. When every route is spent: 429 at once with Retry-After = the earliest reset, or a wait of
// up to QUEUE_TIMEOUT when the reset comes sooner.
//
// The keys and routes are one generation (route_set): a reload swaps in a new one for the calls
// that start after it, while each call keeps the one it was given until its answer ends.
//
// Retries and moves happen only here, i.e. before the caller has sent anything to its client.
// Waits are Asio timers on the caller's strand guarded by the caller's watchdog (a client that
// leaves during a wait cancels it); a wait that would end past the request deadline is not started.
#pragma once

#include "core/logger.hpp"
#include "transport/upstream_client.hpp"
#include "upstream/attempt_trace.hpp"
#include "upstream/circuit_breaker.hpp"
#include "upstream/provider.hpp"
#include "upstream/rate_limits.hpp"
#include "upstream/retry_policy.hpp"
#include "upstream/route_set.hpp"
#include "upstream/upstream_observer.hpp"
#include "upstream/upstream_routes.hpp"

#include <atomic>
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
  std::string model;  // the model of the route that answered (a fallback's when one was taken)
  bool fallback = false;  // a fallback model answered (not merely another key of the model asked for)
};

/// What every attempt of one call says of its request: its id (sent as x-request-id, and written in
/// the caller's log lines) and its trace header lines (lib/trace) - or, when the request's trace is
/// recorded, the spans of its attempts, which give each attempt header lines of its own. Passed by
/// reference: one pointer in the call's coroutine frame, which is at Asio's recycling limit.
struct request_tags {
  std::string_view request_id;
  std::string_view trace_fields;
  attempt_trace* attempts = nullptr;

  std::string_view fields() const { return attempts ? attempts->fields() : trace_fields; }
  connection_events* connection() const { return attempts ? attempts->connection() : nullptr; }
};

class upstream_caller {
 public:
  /// `site`: where the upstream is and its paths (its keys are `routing`'s). `routing`: the first
  /// generation of keys and routes. `observer` (optional) receives each attempt's outcome, retries
  /// and the time to first byte. `queue_timeout`: how long a request may wait for a spent budget's
  /// reset (QUEUE_TIMEOUT).
  upstream_caller(upstream_client& client, gateway::provider site, std::shared_ptr<route_set> routing,
                  retry_settings retry, std::chrono::milliseconds queue_timeout, logger log,
                  upstream_observer* observer = nullptr);

  /// POSTs `body` (asking for `model`; "" for MODEL) to `target`, over the routes of `routing`
  /// (a generation from routing(), which the caller keeps alive until the answer ends) that `model`
  /// may take, retrying and moving on as the policy allows, until a 200 head or a final failure.
  /// `body` and `tags` are the caller's, read by every attempt: they must outlive the call.
  asio::awaitable<upstream_outcome> call(
      route_set& routing, std::string_view target, std::string_view body, watchdog& wd,
      request_deadlines d, const request_tags& tags, std::string_view model = {},
      boost::beast::http::verb method = boost::beast::http::verb::post);

  upstream_client& client() { return client_; }
  /// Where the upstream is and its paths (its keys are routing()'s).
  const gateway::provider& provider() const { return provider_; }
  /// The current generation of keys and routes: what a call that starts now uses. Thread-safe.
  std::shared_ptr<route_set> routing() const { return routing_.load(std::memory_order_acquire); }
  /// Calls that start from now on use `next`; those in flight keep theirs. Thread-safe.
  void set_routing(std::shared_ptr<route_set> next) {
    routing_.store(std::move(next), std::memory_order_release);
  }
  /// MODEL's best breaker state (current routes): closed while any of its routes is closed.
  circuit_breaker::state breaker_state() const { return routing()->routes.breaker_state(); }
  rate_limit_snapshot rate_limits() const { return rate_limits_.get(); }
  std::uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }
  /// Requests answered 429 without an upstream call: every route was known to be spent.
  std::uint64_t spent_refusals() const { return spent_refusals_.load(std::memory_order_relaxed); }

 private:
  /// Records an attempt's answer head into `out` (status, time to it) and everywhere it counts
  /// (rate limits, the route's breaker and budget, metrics); the upstream's Retry-After, if any.
  std::optional<std::chrono::milliseconds> observe_answer(upstream_exchange& ex, upstream_route& route,
                                                          upstream_outcome& out, clock_type::time_point started,
                                                          const request_tags& tags);
  /// Records an attempt that failed without an answer; whether another attempt may follow.
  bool transport_failed(const std::error_code& ec, upstream_route& route, upstream_outcome& out,
                        const request_tags& tags);
  /// Starts attempt `number` on `route` (its span, when recorded); on another route than
  /// `last_route`'s, says so. Sets `last_route`.
  void begin_attempt(upstream_route& route, unsigned number, const upstream_route*& last_route,
                     const request_tags& tags);
  /// Says that the call waits `delay` (QUEUE_TIMEOUT allowing) for a spent route's budget to reset.
  void waiting_for_reset(std::chrono::milliseconds delay, const request_tags& tags);
  /// Says that the call waits `delay` before the next attempt on the same route.
  void retrying(std::chrono::milliseconds delay, const upstream_route& route, const upstream_outcome& out,
                const request_tags& tags);
  /// The failure an upstream error status means; reads the (bounded) error body. `keys`: those the
  /// call sent, redacted from the upstream's message.
  asio::awaitable<upstream_failure> failure_for(upstream_exchange& ex, const gateway::provider& keys);
  /// Waits `delay` unless that passes the deadline or the watchdog fires; false when not waited.
  asio::awaitable<bool> wait(std::chrono::milliseconds delay, watchdog& wd, request_deadlines d);
  double jitter();

  upstream_client& client_;
  const gateway::provider provider_;
  std::atomic<std::shared_ptr<route_set>> routing_;
  const retry_settings retry_;
  const std::chrono::milliseconds queue_timeout_;
  rate_limit_state rate_limits_;
  logger log_;
  upstream_observer* metrics_;
  std::atomic<std::uint64_t> retries_{0}, spent_refusals_{0};
  std::mutex random_mutex_;
  std::minstd_rand random_;
};

}  // namespace gateway
