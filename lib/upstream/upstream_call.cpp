#include "upstream/upstream_call.hpp"

#include "upstream/completion.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

namespace gateway {
namespace {

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

error error_for_status(unsigned status) {
  if (status == 401 || status == 403) return error::upstream_auth;
  if (status == 429) return error::rate_limited;
  if (status >= 400 && status < 500 && status != 408) return error::upstream_rejected;
  return error::upstream_status_5xx;  // 5xx and 408 (the upstream timed out waiting for us)
}

// Whether an attempt's outcome says the upstream is unwell (counts towards opening the breaker).
bool upstream_unwell(unsigned status) { return status >= 500 || status == 408; }

std::string seconds_text(std::chrono::milliseconds ms) {
  return std::to_string((ms.count() + 999) / 1000);  // Retry-After is whole seconds, rounded up
}

}  // namespace

upstream_caller::upstream_caller(upstream_client& client, retry_settings retry, breaker_settings breaker, logger log,
                                 upstream_observer* metrics)
    : client_(client), retry_(retry), breaker_(breaker), log_(std::move(log)), metrics_(metrics),
      random_(static_cast<std::minstd_rand::result_type>(std::random_device{}())) {}

double upstream_caller::jitter() {
  std::lock_guard lock(random_mutex_);
  return std::uniform_real_distribution<double>(0.75, 1.0)(random_);
}

net::awaitable<upstream_outcome> upstream_caller::call(std::string_view target, std::string body, watchdog& wd,
                                                       request_deadlines d, std::string_view request_id,
                                                       boost::beast::http::verb method) {
  upstream_outcome out;
  const auto started = clock_type::now();
  for (unsigned retry = 0;; ++retry) {
    if (!breaker_.allow()) {
      out.failure = upstream_failure{error::upstream_unavailable,
                                     "the upstream is failing; requests are refused for a moment", seconds_text(breaker_.retry_in())};
      co_return out;
    }
    ++out.attempts;
    std::error_code ec;
    auto ex = co_await client_.start(target, body, wd, d, ec, method, request_id);
    std::optional<std::chrono::milliseconds> asked;  // the upstream's Retry-After, if any
    if (ex) {
      out.upstream_status = ex->status();
      out.first_byte = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started);
      const auto snapshot = upstream().rate_limits([&ex](std::string_view name) { return ex->header(name); });
      rate_limits_.update(snapshot);
      if (running_low(snapshot))
        log_.warn("{} upstream rate limit running low: requests {}/{}, tokens {}/{}", request_id,
                  snapshot.remaining_requests.value_or(0), snapshot.limit_requests.value_or(0),
                  snapshot.remaining_tokens.value_or(0), snapshot.limit_tokens.value_or(0));
      if (upstream_unwell(out.upstream_status))
        breaker_.record_failure();
      else
        breaker_.record_success();
      if (metrics_) {
        const auto st = out.upstream_status;
        metrics_->attempt(st < 400   ? attempt_outcome::ok
                          : st == 429 ? attempt_outcome::rate_limited
                          : upstream_unwell(st) ? attempt_outcome::server_error
                                                : attempt_outcome::client_error);
      }
      if (out.upstream_status == 200) {
        if (metrics_) metrics_->upstream_first_byte(out.first_byte);
        out.exchange = std::move(ex);
        out.failure.reset();
        co_return out;
      }
      asked = parse_retry_after(ex->header("retry-after-ms"), ex->header("retry-after"),
                                std::chrono::system_clock::now());
      out.failure = co_await failure_for(*ex);
      if (!retryable_status(out.upstream_status)) co_return out;
    } else {
      const auto e = as_gateway_error(ec, error::upstream_connect_failed);
      out.failure = upstream_failure{e, {}, {}};
      if (metrics_ && e != error::client_gone && e != error::shutting_down)
        metrics_->attempt(e == error::upstream_connect_timeout || e == error::upstream_first_byte_timeout ||
                                  e == error::request_timeout
                              ? attempt_outcome::timeout
                              : attempt_outcome::transport);
      if (!retryable_error(e)) co_return out;  // the request's own deadline, a client gone
      breaker_.record_failure();
      wd.reset();  // that attempt's deadline fired; the next attempt gets its own
    }
    if (retry >= retry_.max_retries) co_return out;

    auto delay = backoff_delay(retry, jitter(), retry_);
    if (asked) {
      if (*asked > retry_.max_retry_after) co_return out;  // longer than we would ever wait
      delay = *asked;
    }
    log_.info("{} upstream attempt {} failed ({}); retrying in {} ms", request_id, out.attempts,
              make_error_code(out.failure->code).message(), delay.count());
    if (!co_await wait(delay, wd, d)) {
      // Cut short by the client leaving or a shutdown: that, not the last attempt, is the outcome.
      if (auto fired = wd.fired(); fired && (*fired == error::client_gone || *fired == error::shutting_down))
        out.failure = upstream_failure{*fired, {}, {}};
      co_return out;  // the last failure stands (with its Retry-After on 429)
    }
    retries_.fetch_add(1, std::memory_order_relaxed);
    if (metrics_) metrics_->retry();
  }
}

net::awaitable<upstream_failure> upstream_caller::failure_for(upstream_exchange& ex) {
  const auto status = ex.status();
  std::error_code ec;
  const auto body = co_await ex.read_all(client_.settings().max_error_body, ec);
  upstream_failure f{error_for_status(status), {}, {}};
  if (f.code == error::rate_limited) {
    f.retry_after = ex.header("retry-after");
    if (f.retry_after.empty()) {
      if (auto ms = parse_retry_after(ex.header("retry-after-ms"), "", std::chrono::system_clock::now()))
        f.retry_after = seconds_text(*ms);
    }
  } else if (f.code == error::upstream_rejected) {
    auto message = upstream().redact(upstream_error_message(body));
    f.message = fmt::format("upstream rejected the request (HTTP {}){}{}", status, message.empty() ? "" : ": ", message);
  } else if (f.code == error::upstream_status_5xx) {
    f.message = fmt::format("upstream failed with HTTP {}", status);
  }
  co_return f;
}

net::awaitable<bool> upstream_caller::wait(std::chrono::milliseconds delay, watchdog& wd, request_deadlines d) {
  const auto until = clock_type::now() + delay;
  if (until >= d.request) co_return false;  // would end past the deadline: answer now instead
  const auto strand = co_await net::this_coro::executor;  // own statement: GCC 12 coroutine bug
  net::steady_timer timer(strand);
  timer.expires_at(until);
  if (!wd.arm(d.request, error::request_timeout, [&timer] { timer.cancel(); })) co_return false;
  co_await timer.async_wait(tuple_awaitable);
  wd.disarm();
  co_return !wd.fired();
}

}  // namespace gateway
