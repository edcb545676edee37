#include "cache/single_flight.hpp"

#include <algorithm>

namespace gateway {
namespace {

void run_all(const std::vector<flight::callback>& callbacks) {
  for (const auto& f : callbacks) f();
}

}  // namespace

std::vector<flight::callback> flight::wakers_locked() const {
  std::vector<callback> out;
  out.reserve(followers_.size());
  for (const auto& [id, wake] : followers_) out.push_back(wake);
  return out;
}

void flight::publish(piece p) {
  std::vector<callback> wake;
  {
    std::lock_guard lock(mutex_);
    if (answer_ || failure_) return;
    pieces_.push_back(std::move(p));
    wake = wakers_locked();
  }
  run_all(wake);
}

void flight::succeed(std::shared_ptr<const cached_answer> answer) {
  std::vector<callback> wake;
  {
    std::lock_guard lock(mutex_);
    if (answer_ || failure_) return;
    answer_ = std::move(answer);
    wake = wakers_locked();
  }
  run_all(wake);
}

void flight::fail(flight_failure failure) {
  std::vector<callback> wake;
  {
    std::lock_guard lock(mutex_);
    if (answer_ || failure_) return;
    failure_ = std::move(failure);
    wake = wakers_locked();
  }
  run_all(wake);
}

bool flight::settled() const {
  std::lock_guard lock(mutex_);
  return answer_ || failure_;
}

bool flight::leader_gone() {
  std::lock_guard lock(mutex_);
  leader_gone_ = true;
  if (!followers_.empty()) return true;
  abandoned_ = true;
  return false;
}

void flight::on_abandoned(callback cancel) {
  std::lock_guard lock(mutex_);
  cancel_ = std::move(cancel);
}

flight::update flight::poll(std::size_t from, bool want_pieces) const {
  update u;
  std::lock_guard lock(mutex_);
  if (want_pieces && from < pieces_.size())
    u.pieces.assign(pieces_.begin() + static_cast<std::ptrdiff_t>(from), pieces_.end());
  u.answer = answer_;
  u.failure = failure_;
  return u;
}

void flight::leave(std::uint64_t follower) {
  callback cancel;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(followers_, [&](const auto& f) { return f.first == follower; });
    // The last one out turns off the light: nobody is left to read the upstream's answer.
    if (followers_.empty() && leader_gone_ && !answer_ && !failure_ && !abandoned_) {
      abandoned_ = true;
      cancel = std::move(cancel_);
    }
  }
  if (cancel) cancel();
}

bool flight::add_follower(std::uint64_t id, callback wake) {
  std::lock_guard lock(mutex_);
  if (answer_ || failure_ || abandoned_) return false;
  followers_.emplace_back(id, std::move(wake));
  return true;
}

flight_registry::ticket flight_registry::join(const cache_key& key, unsigned format, flight::callback wake,
                                              std::string origin) {
  std::lock_guard lock(mutex_);
  auto& slot = open_[key];
  if (slot) {
    const auto id = ++next_id_;
    if (slot->add_follower(id, std::move(wake))) {
      ++coalesced_;
      return {slot, false, id};
    }
    // Settled or abandoned but not closed yet: it can no longer serve anyone; a new flight does.
  }
  slot = std::make_shared<flight>(format, std::move(origin));
  ++led_;
  return {slot, true, 0};
}

void flight_registry::close(const cache_key& key, const std::shared_ptr<flight>& f) {
  std::lock_guard lock(mutex_);
  if (auto it = open_.find(key); it != open_.end() && it->second == f) open_.erase(it);
}

flight_stats flight_registry::stats() const {
  std::lock_guard lock(mutex_);
  return {led_, coalesced_, open_.size()};
}

}  // namespace gateway
