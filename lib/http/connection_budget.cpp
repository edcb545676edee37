#include "http/connection_budget.hpp"

#include <algorithm>
#include <cstdint>

namespace gateway {

connection_budget::ticket& connection_budget::ticket::operator=(ticket&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    group_ = std::move(other.group_);
  }
  return *this;
}

void connection_budget::ticket::release() {
  if (!owner_) return;
  owner_->release_connection(group_);
  owner_.reset();
}

connection_budget::body_hold& connection_budget::body_hold::operator=(body_hold&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    bytes_ = other.bytes_;
    refused_ = other.refused_;
    other.bytes_ = 0;
    other.refused_ = false;
  }
  return *this;
}

void connection_budget::body_hold::release() {
  if (owner_ && bytes_) owner_->release_body(bytes_);
  owner_.reset();
  bytes_ = 0;
  refused_ = false;
}

std::shared_ptr<connection_budget> connection_budget::create(const connection_limits& limits) {
  return std::make_shared<connection_budget>(limits);
}

connection_budget::admission connection_budget::admit(std::string client_group,
                                                        std::chrono::steady_clock::time_point now) {
  admission out;
  if (limits_.new_per_client_per_second != 0) {
    std::lock_guard lock(clients_mutex_);
    if (!arrival_fits(client_group, now)) {
      refused_rate_.fetch_add(1, std::memory_order_relaxed);
      out.refused = refusal::rate;
      return out;
    }
  }
  // Compare-and-add: two admit() calls at once can never both take the last place, and the count
  // never reads above the limit (admit runs on the listener's strand today; nothing relies on it).
  auto open = open_.load(std::memory_order_relaxed);
  do {
    if (open >= limits_.max_connections) {
      refused_max_.fetch_add(1, std::memory_order_relaxed);
      out.refused = refusal::max_connections;
      return out;
    }
  } while (!open_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed));
  if (!per_client()) {
    out.held = ticket(shared_from_this(), {});
    return out;
  }
  {
    std::lock_guard lock(clients_mutex_);
    auto& n = clients_[client_group];
    if (n >= limits_.max_per_client) {
      // n > 0 here, so the entry was there before: nothing to erase.
      open_.fetch_sub(1, std::memory_order_relaxed);
      refused_per_client_.fetch_add(1, std::memory_order_relaxed);
      out.refused = refusal::per_client;
      return out;
    }
    ++n;
  }
  out.held = ticket(shared_from_this(), std::move(client_group));
  return out;
}

// GCRA: arrivals one `interval` apart on average, up to a second's worth at once. A group's entry
// holds when its next arrival is due without a burst; one due already says nothing a fresh entry
// would not, so the sweep drops it.
bool connection_budget::arrival_fits(const std::string& group, std::chrono::steady_clock::time_point now) {
  using std::chrono::nanoseconds;
  const auto rate = static_cast<std::int64_t>(limits_.new_per_client_per_second);
  const nanoseconds interval(std::max<std::int64_t>(1'000'000'000 / rate, 1));
  const nanoseconds burst = interval * (rate - 1);  // a second's worth at once, the first included
  auto it = arrivals_.find(group);
  if (it == arrivals_.end()) {
    if (arrivals_.size() >= limits_.max_rate_tracked && now >= next_sweep_) {
      std::erase_if(arrivals_, [now](const auto& e) { return e.second <= now; });
      next_sweep_ = now + std::chrono::milliseconds(100);  // a sweep at most ten times a second
    }
    // Still full: many clients each active within the last second. This one goes untracked (the
    // open-connection caps still hold) rather than growing the map past its bound.
    if (arrivals_.size() >= limits_.max_rate_tracked) return true;
    arrivals_.emplace(group, now + interval);
    return true;
  }
  const auto tat = std::max(it->second, now);
  if (tat - now > burst) return false;
  it->second = tat + interval;
  return true;
}

void connection_budget::release_connection(const std::string& group) {
  if (per_client()) {
    std::lock_guard lock(clients_mutex_);
    // The entry goes with its last connection: the map never holds a client that has none open.
    if (auto it = clients_.find(group); it != clients_.end() && --it->second == 0)
      clients_.erase(it);
  }
  open_.fetch_sub(1, std::memory_order_relaxed);
}

bool connection_budget::charge_body(std::size_t bytes, body_hold& hold) {
  if (bytes == 0 || limits_.max_inflight_body_bytes == 0) return true;
  // Compare-and-add: the total never passes the budget through a checked charge.
  auto held = inflight_bytes_.load(std::memory_order_relaxed);
  do {
    if (bytes > limits_.max_inflight_body_bytes || held > limits_.max_inflight_body_bytes - bytes) {
      if (!hold.refused_) bodies_refused_.fetch_add(1, std::memory_order_relaxed);
      hold.refused_ = true;
      return false;
    }
  } while (!inflight_bytes_.compare_exchange_weak(held, held + bytes, std::memory_order_relaxed));
  if (!hold.owner_) hold.owner_ = shared_from_this();
  hold.bytes_ += bytes;
  return true;
}

void connection_budget::charge_body_unchecked(std::size_t bytes, body_hold& hold) {
  if (bytes == 0 || limits_.max_inflight_body_bytes == 0) return;
  inflight_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  if (!hold.owner_) hold.owner_ = shared_from_this();
  hold.bytes_ += bytes;
}

connection_budget_stats connection_budget::stats() const {
  connection_budget_stats s;
  s.open = open_.load(std::memory_order_relaxed);
  s.refused_max = refused_max_.load(std::memory_order_relaxed);
  s.refused_per_client = refused_per_client_.load(std::memory_order_relaxed);
  s.refused_rate = refused_rate_.load(std::memory_order_relaxed);
  s.bodies_refused = bodies_refused_.load(std::memory_order_relaxed);
  s.inflight_body_bytes = inflight_bytes_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace gateway
