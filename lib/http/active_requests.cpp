#include "http/active_requests.hpp"

#include "net/watchdog.hpp"

#include <boost/asio/post.hpp>

namespace gateway {

active_requests::registration::~registration() {
  if (!owner_) return;
  std::lock_guard lock(owner_->mutex_);
  owner_->entries_.erase(slot_);
}

active_requests::registration active_requests::add(asio::any_io_executor strand, std::shared_ptr<bool> alive,
                                                   watchdog* wd) {
  std::lock_guard lock(mutex_);
  const auto slot = ++next_;
  entries_.emplace(slot, entry{std::move(strand), std::move(alive), wd});
  return {this, slot};
}

void active_requests::abort_all(error cause) {
  std::lock_guard lock(mutex_);
  for (const auto& [slot, e] : entries_)
    asio::post(e.strand, [alive = e.alive, wd = e.wd, cause] {
      if (*alive) wd->trigger(cause);
    });
}

}  // namespace gateway
