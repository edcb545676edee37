#include "upstream/upstream_caller.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "completion/completion.hpp"
#include "upstream/request_model.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

namespace gateway {
namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

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

// A wait cut short by the client leaving or by a shutdown: that, not the last attempt, is the
// call's outcome (true). Any other cause (the request's own deadline) leaves the last failure standing.
bool ended_by_client(const watchdog& wd, upstream_outcome& out) {
  if (auto fired = wd.fired(); fired && (*fired == error::client_gone || *fired == error::shutting_down)) {
    out.failure = upstream_failure{*fired, {}, {}};
    return true;
  }
  return false;
}

// Whether to wait for the earliest reset of the spent routes: QUEUE_TIMEOUT bounds all of a
// call's waits for resets together, from the first (`queued_until`).
struct reset_queue {
  std::chrono::milliseconds wait_for;
  bool wait;
};
reset_queue queue_for_reset(clock_type::time_point reset, std::optional<clock_type::time_point>& queued_until,
                            std::chrono::milliseconds queue_timeout) {
  const auto now = clock_type::now();
  const auto wait_for = std::chrono::ceil<std::chrono::milliseconds>(reset - now);
  if (!queued_until) queued_until = now + queue_timeout;
  return {wait_for, queue_timeout.count() > 0 && now + wait_for <= *queued_until};
}

upstream_failure all_spent(std::chrono::milliseconds reset_in) {
  return {error::rate_limited, "every upstream route is at its rate limit",
          seconds_text(std::max(reset_in, std::chrono::milliseconds(1)))};
}

upstream_failure breaker_open(std::chrono::milliseconds retry_in) {
  return {error::upstream_unavailable, "the upstream is failing; requests are refused for a moment",
          seconds_text(retry_in)};
}

// A 200 head: the call's outcome.
void answered(upstream_outcome& out, std::unique_ptr<upstream_exchange> ex, const upstream_route& route,
              std::string_view model_asked, const upstream_route& first) {
  out.exchange = std::move(ex);
  out.failure.reset();
  out.model = route.model() == upstream_routes::other_model ? std::string(model_asked) : route.model();
  out.fallback = route.model() != first.model();  // another key of the same model is no fallback
}

// The body re-addressed to a fallback model. Made only when one is tried (a pointer in the
// call's frame, not two strings).
struct routed_copy {
  std::string model, body;
};

// The body re-addressed to a fallback `model` into `routed`, once per model; false when the body
// is not a JSON object.
bool readdress(std::string_view body, const std::string& model, std::unique_ptr<routed_copy>& routed) {
  if (routed && routed->model == model) return true;
  auto readdressed = with_model(body, model);
  if (!readdressed) return false;
  if (!routed) routed = std::make_unique<routed_copy>();
  routed->body = std::move(*readdressed);
  routed->model = model;
  return true;
}

// Where one call stands with a route of its plan.
struct route_try {
  unsigned retries = 0;  // retries spent on this route
  bool left = false;     // moved away from: not tried again by this call
};

// The route to try next (the first of the plan not left, with budget and a breaker that lets it
// through), or what holds the others back.
struct route_pick {
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t index = none;
  std::optional<clock_type::time_point> budget_reset;       // the earliest reset of a spent route
  std::optional<std::chrono::milliseconds> breaker_retry;   // the soonest probe of an open breaker
};

route_pick pick_route(std::span<upstream_route* const> plan, const std::vector<route_try>& tries) {
  route_pick p;
  auto spent = [&p](clock_type::time_point reset) { p.budget_reset = p.budget_reset ? std::min(*p.budget_reset, reset) : reset; };
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (tries[i].left) continue;
    auto& r = *plan[i];
    if (auto reset = r.blocked_until()) {
      spent(*reset);
      continue;
    }
    if (!r.breaker().allow()) {
      const auto in = r.breaker().retry_in();
      p.breaker_retry = p.breaker_retry ? std::min(*p.breaker_retry, in) : in;
      continue;
    }
    if (!r.take()) {  // another request took the last of the budget since
      if (auto reset = r.blocked_until()) spent(*reset);
      continue;
    }
    p.index = i;
    return p;
  }
  return p;
}

// Whether a route other than `except` could be tried now (a 429 then moves on instead of waiting).
bool another_ready(std::span<upstream_route* const> plan, const std::vector<route_try>& tries, std::size_t except) {
  for (std::size_t i = 0; i < plan.size(); ++i)
    if (i != except && !tries[i].left && !plan[i]->blocked_until() &&
        plan[i]->breaker().current() != circuit_breaker::state::open)
      return true;
  return false;
}

}  // namespace

upstream_caller::upstream_caller(upstream_client& client, gateway::provider site,
                                 std::shared_ptr<route_set> routing, retry_settings retry,
                                 std::chrono::milliseconds queue_timeout, logger log, upstream_observer* metrics)
    : client_(client),
      provider_(std::move(site)),
      routing_(std::move(routing)),
      retry_(retry),
      queue_timeout_(queue_timeout),
      log_(std::move(log)),
      metrics_(metrics),
      random_(static_cast<std::minstd_rand::result_type>(std::random_device{}())) {}

double upstream_caller::jitter() {
  std::lock_guard lock(random_mutex_);
  return std::uniform_real_distribution<double>(0.75, 1.0)(random_);
}

asio::awaitable<upstream_outcome> upstream_caller::call(route_set& routing, std::string_view target,
                                                        std::string_view body, watchdog& wd,
                                                        request_deadlines d,
                                                        const request_tags& tags,
                                                        std::string_view model,
                                                        boost::beast::http::verb method) {
  upstream_outcome out;
  const auto started = clock_type::now();
  const auto plan = routing.routes.plan(model);
  std::vector<route_try> tries(plan.size());
  std::unique_ptr<routed_copy> routed;  // the body re-addressed to a fallback model
  const upstream_route* last_route = nullptr;  // the last attempt's route
  std::optional<clock_type::time_point> queued_until;  // QUEUE_TIMEOUT bounds all waits for resets together
  for (;;) {
    const auto p = pick_route(plan, tries);
    if (p.index == route_pick::none) {
      if (p.budget_reset) {
        // Every route left to try is known to refuse: no request is sent that would be refused.
        const auto q = queue_for_reset(*p.budget_reset, queued_until, queue_timeout_);
        if (q.wait) {
          waiting_for_reset(q.wait_for, tags);
          if (co_await wait(q.wait_for, wd, d)) continue;
          if (ended_by_client(wd, out)) co_return out;
        }
        spent_refusals_.fetch_add(1, std::memory_order_relaxed);
        out.failure = all_spent(q.wait_for);
        co_return out;
      }
      if (p.breaker_retry) out.failure = breaker_open(*p.breaker_retry);
      co_return out;  // every route was tried: the last failure stands
    }
    auto& route = *plan[p.index];
    auto& tried = tries[p.index];
    // The plan's first model is the one the body names; a fallback model gets its own copy. Each
    // attempt reads the body it sends without copying it (an allocation per request).
    std::string_view send_body = body;
    if (method == boost::beast::http::verb::post && route.model() != plan.front()->model()) {
      if (!readdress(body, route.model(), routed)) {  // not a JSON object: only its own model can take it
        tried.left = true;
        continue;
      }
      send_body = routed->body;
    }
    begin_attempt(route, ++out.attempts, last_route, tags);
    std::error_code ec;
    const auto authorization = routing.authorization(route.key());  // made once per key, not per attempt
    auto ex = co_await client_.start(target, send_body, wd, d, ec, method, tags.request_id, authorization,
                                     tags.fields(), tags.connection());
    std::optional<std::chrono::milliseconds> asked;  // the upstream's Retry-After, if any
    bool move_on = false;                            // to the next route of the plan
    if (ex) {
      asked = observe_answer(*ex, route, out, started, tags);
      if (out.upstream_status == 200) {
        answered(out, std::move(ex), route, model, *plan.front());
        co_return out;
      }
      out.failure = co_await failure_for(*ex, routing.keys);
      const auto st = out.upstream_status;
      if (st == 429) {
        route.count_rate_limited();
        move_on = another_ready(plan, tries, p.index);  // waiting is for when nothing else has room
      } else if (st == 401 || st == 403) {
        move_on = true;  // that key's fault: the next key may do
      } else if (!retryable_status(st)) {
        co_return out;  // the request's own fault (400, 404, 413, 422, ...): no route answers it better
      }
    } else {
      if (!transport_failed(ec, route, out, tags)) co_return out;  // the request's own deadline, a client gone
      wd.reset();  // that attempt's deadline fired; the next attempt gets its own
    }
    if (tried.retries >= retry_.max_retries) move_on = true;
    if (asked && *asked > retry_.max_retry_after) move_on = true;  // longer than we would ever wait
    if (move_on) {
      tried.left = true;
      route.count_fallback();
      continue;
    }

    const auto delay = asked ? *asked : backoff_delay(tried.retries, jitter(), retry_);
    retrying(delay, route, out, tags);
    if (!co_await wait(delay, wd, d)) {
      ended_by_client(wd, out);
      co_return out;  // else the last failure stands (with its Retry-After on 429)
    }
    ++tried.retries;
    retries_.fetch_add(1, std::memory_order_relaxed);
    if (metrics_) metrics_->retry();
  }
}

// The rest of an attempt's bookkeeping lives outside the coroutine (observe_answer and below):
// GCC keeps every local of a coroutine in its frame, and a frame over 1,020 bytes is not recycled
// by Asio's per-thread cache (benchmark 9: it went to malloc and evicted a cached frame each time).

void upstream_caller::begin_attempt(upstream_route& route, unsigned number, const upstream_route*& last_route,
                                    const request_tags& tags) {
  // Another route than the last attempt's: a move on (the last one left), or, after a retry's
  // wait, the pick of another route because the retried one's breaker opened or its budget ran
  // out meanwhile.
  if (last_route && last_route != &route) {
    log_.info("{} upstream: moving from {} to {}", tags.request_id, last_route->label(), route.label());
    if (tags.attempts) tags.attempts->route_change(*last_route, route);
  }
  last_route = &route;
  route.count_attempt();
  if (tags.attempts) tags.attempts->begin(route, number);
}

void upstream_caller::retrying(std::chrono::milliseconds delay, const upstream_route& route,
                               const upstream_outcome& out, const request_tags& tags) {
  log_.info("{} upstream attempt {} on {} failed ({}); retrying in {} ms", tags.request_id, out.attempts,
            route.label(), make_error_code(out.failure->code).message(), delay.count());
  if (tags.attempts) tags.attempts->retry(delay, out.failure->code);
}

void upstream_caller::waiting_for_reset(std::chrono::milliseconds delay, const request_tags& tags) {
  log_.info("{} every upstream route is at its rate limit; waiting {} ms for a reset", tags.request_id, delay.count());
  if (tags.attempts) tags.attempts->budget_wait(delay);
}

std::optional<std::chrono::milliseconds> upstream_caller::observe_answer(upstream_exchange& ex, upstream_route& route,
                                                                         upstream_outcome& out,
                                                                         clock_type::time_point started,
                                                                         const request_tags& tags) {
  std::optional<std::chrono::milliseconds> asked;
  out.upstream_status = ex.status();
  if (tags.attempts) tags.attempts->answered(out.upstream_status);
  out.first_byte = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started);
  const auto snapshot = provider_.rate_limits([&ex](std::string_view name) { return ex.header(name); });
  if (out.upstream_status != 200)  // an answer has no Retry-After to read
    asked = parse_retry_after(ex.header("retry-after-ms"), ex.header("retry-after"), std::chrono::system_clock::now());
  rate_limits_.update(snapshot);
  route.observe(snapshot, out.upstream_status, asked);
  if (running_low(snapshot))
    log_.warn("{} upstream rate limit running low on {}: requests {}/{}, tokens {}/{}", tags.request_id, route.label(),
              snapshot.remaining_requests.value_or(0), snapshot.limit_requests.value_or(0),
              snapshot.remaining_tokens.value_or(0), snapshot.limit_tokens.value_or(0));
  if (upstream_unwell(out.upstream_status))
    route.breaker().record_failure();
  else
    route.breaker().record_success();
  if (metrics_) {
    const auto st = out.upstream_status;
    metrics_->attempt(st < 400   ? attempt_outcome::ok
                      : st == 429 ? attempt_outcome::rate_limited
                      : upstream_unwell(st) ? attempt_outcome::server_error
                                            : attempt_outcome::client_error);
    if (st == 200) metrics_->upstream_first_byte(out.first_byte);
  }
  return asked;
}

bool upstream_caller::transport_failed(const std::error_code& ec, upstream_route& route, upstream_outcome& out,
                                       const request_tags& tags) {
  const auto e = as_gateway_error(ec, error::upstream_connect_failed);
  out.failure = upstream_failure{e, {}, {}};
  if (tags.attempts) tags.attempts->failed(e);
  if (metrics_ && e != error::client_gone && e != error::shutting_down)
    metrics_->attempt(e == error::upstream_connect_timeout || e == error::upstream_first_byte_timeout ||
                              e == error::request_timeout
                          ? attempt_outcome::timeout
                          : attempt_outcome::transport);
  if (!retryable_error(e)) return false;
  route.breaker().record_failure();
  return true;
}

asio::awaitable<upstream_failure> upstream_caller::failure_for(upstream_exchange& ex,
                                                               const gateway::provider& keys) {
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
    auto message = keys.redact(upstream_error_message(body));
    f.message = fmt::format("upstream rejected the request (HTTP {}){}{}", status, message.empty() ? "" : ": ", message);
  } else if (f.code == error::upstream_status_5xx) {
    f.message = fmt::format("upstream failed with HTTP {}", status);
  }
  co_return f;
}

asio::awaitable<bool> upstream_caller::wait(std::chrono::milliseconds delay, watchdog& wd, request_deadlines d) {
  const auto until = clock_type::now() + delay;
  if (until >= d.request) co_return false;  // would end past the deadline: answer now instead
  const auto strand = co_await asio::this_coro::executor;  // own statement: GCC 12 coroutine bug
  asio::steady_timer timer(strand);
  timer.expires_at(until);
  if (!wd.arm(d.request, error::request_timeout, [&timer] { timer.cancel(); })) co_return false;
  co_await timer.async_wait(tuple_awaitable);
  wd.disarm();
  co_return !wd.fired();
}

}  // namespace gateway
