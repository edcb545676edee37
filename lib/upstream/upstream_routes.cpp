#include "upstream/upstream_routes.hpp"

#include <algorithm>

namespace gateway {
namespace {

double seconds_until(clock_type::time_point t, clock_type::time_point now) {
  return std::chrono::duration<double>(t - now).count();
}

}  // namespace

upstream_route::upstream_route(std::size_t key, std::string model, bool tracked, breaker_settings breaker,
                               clock_fn clock, logger log)
    : key_(key), model_(std::move(model)), tracked_(tracked), breaker_(breaker, clock), clock_(std::move(clock)),
      log_(std::move(log)) {}

std::string upstream_route::label() const { return "key #" + std::to_string(key_ + 1) + " " + model_; }

void upstream_route::refresh(window& w, clock_type::time_point now) const {
  if (!w.reset_at || now < *w.reset_at) return;
  w.remaining = w.limit;  // a new window: the whole limit (unknown when no limit was ever sent)
  w.reset_at.reset();
}

std::optional<clock_type::time_point> upstream_route::blocked_locked(clock_type::time_point now) const {
  refresh(requests_, now);
  refresh(tokens_, now);
  std::optional<clock_type::time_point> until;
  auto later = [&until](clock_type::time_point t) { until = until ? std::max(*until, t) : t; };
  if (now < refused_until_) later(refused_until_);
  for (const auto* w : {&requests_, &tokens_})
    if (w->remaining && *w->remaining == 0 && w->reset_at) later(*w->reset_at);
  return until;
}

void upstream_route::note_exhaustion(clock_type::time_point now) const {
  const auto until = blocked_locked(now);
  if (until.has_value() == exhausted_) return;
  exhausted_ = until.has_value();
  if (exhausted_)
    log_.info("upstream route {} exhausted: its budget resets in {:.3f} s", label(), seconds_until(*until, now));
  else
    log_.info("upstream route {} recovered: its budget was reset", label());
}

std::optional<clock_type::time_point> upstream_route::blocked_until() const {
  if (!tracked_) return std::nullopt;
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  note_exhaustion(now);
  return blocked_locked(now);
}

bool upstream_route::take() {
  if (!tracked_) return true;
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  if (blocked_locked(now)) return false;
  if (requests_.remaining) --*requests_.remaining;  // > 0: not blocked
  note_exhaustion(now);
  return true;
}

void upstream_route::observe(const rate_limit_snapshot& s, unsigned status,
                             std::optional<std::chrono::milliseconds> retry_after) {
  if (!tracked_) return;
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  auto merge = [now, this](window& w, std::optional<std::uint64_t> limit, std::optional<std::uint64_t> remaining,
                           std::optional<std::chrono::microseconds> reset_in) {
    refresh(w, now);
    if (limit) w.limit = limit;
    if (!remaining) return;
    // Answers of one window arrive out of order, and requests sent since are not in them: the
    // lowest count wins until the window resets.
    w.remaining = w.remaining ? std::min(*w.remaining, *remaining) : *remaining;
    if (reset_in) w.reset_at = now + *reset_in;
    else if (*w.remaining == 0 && !w.reset_at) w.reset_at = now + std::chrono::seconds(1);  // no reset said: try again soon
  };
  merge(requests_, s.limit_requests, s.remaining_requests, s.reset_requests_in);
  merge(tokens_, s.limit_tokens, s.remaining_tokens, s.reset_tokens_in);
  // A 429 that carries the limits is the budget speaking, not one request's bad luck.
  if (status == 429 && s.any() && retry_after) refused_until_ = std::max(refused_until_, now + *retry_after);
  note_exhaustion(now);
}

route_stats upstream_route::stats() const {
  route_stats out;
  out.key = key_ + 1;
  out.model = model_;
  out.attempts = attempts_.load(std::memory_order_relaxed);
  out.rate_limited = rate_limited_.load(std::memory_order_relaxed);
  out.fallbacks = fallbacks_.load(std::memory_order_relaxed);
  out.breaker = breaker_.current();
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  out.exhausted = tracked_ && blocked_locked(now).has_value();
  out.remaining_requests = requests_.remaining;
  out.remaining_tokens = tokens_.remaining;
  return out;
}

upstream_routes::upstream_routes(std::size_t keys, std::vector<std::string> models, breaker_settings breaker,
                                 logger log, clock_fn clock)
    : keys_(std::max<std::size_t>(keys, 1)), models_(std::move(models)), breaker_(breaker), log_(std::move(log)),
      clock_(std::move(clock)) {
  for (const auto& m : models_) {
    if (by_model_.count(m)) continue;  // a fallback that repeats a model adds nothing
    const auto& added = add_model(m, true);
    primary_plan_.insert(primary_plan_.end(), added.begin(), added.end());
  }
  for (std::size_t k = 0; k < keys_; ++k) other_.push_back(&routes_.emplace_back(k, std::string(other_model), false, breaker_, clock_, log_));
}

std::vector<upstream_route*>& upstream_routes::add_model(const std::string& model, bool tracked) {
  auto& list = by_model_[model];
  for (std::size_t k = 0; k < keys_; ++k) list.push_back(&routes_.emplace_back(k, model, tracked, breaker_, clock_, log_));
  return list;
}

std::span<upstream_route* const> upstream_routes::plan(std::string_view model) {
  if (model.empty() || model == models_.front()) return primary_plan_;
  std::lock_guard lock(mutex_);
  if (auto it = by_model_.find(model); it != by_model_.end()) {
    // A fallback model named by the client: that model's own routes.
    return it->second;
  }
  if (by_model_.size() >= models_.size() + max_other_models) return other_;
  return add_model(std::string(model), true);
}

std::vector<route_stats> upstream_routes::stats() const {
  std::lock_guard lock(mutex_);
  std::vector<route_stats> out;
  for (const auto& r : routes_) {
    auto s = r.stats();
    s.configured = std::find(models_.begin(), models_.end(), r.model()) != models_.end();
    if (r.model() != other_model || s.attempts) out.push_back(std::move(s));
  }
  return out;
}

circuit_breaker::state upstream_routes::breaker_state() const {
  auto best = circuit_breaker::state::open;
  for (const auto* r : primary_plan_) {
    const auto s = r->breaker().current();
    if (s == circuit_breaker::state::closed) return s;
    if (s == circuit_breaker::state::half_open) best = s;
  }
  return best;
}

}  // namespace gateway
