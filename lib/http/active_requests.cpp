#include "http/active_requests.hpp"

#include "net/watchdog.hpp"

#include <boost/asio/post.hpp>

namespace gateway {

active_requests::registration::registration(active_requests& owner, const asio::any_io_executor& strand,
                                            std::shared_ptr<bool>& alive, watchdog* wd)
    : owner_(owner), strand_(strand), alive_(alive), wd_(wd) {
  std::lock_guard lock(owner_.mutex_);
  next_ = owner_.first_;
  if (next_) next_->prev_ = this;
  owner_.first_ = this;
}

active_requests::registration::~registration() {
  *alive_ = false;
  std::lock_guard lock(owner_.mutex_);
  if (prev_) prev_->next_ = next_;
  else owner_.first_ = next_;
  if (next_) next_->prev_ = prev_;
}

void active_requests::abort_all(error cause) {
  std::lock_guard lock(mutex_);
  // Copies made under the lock: the request may end (and its registration go) once it is released.
  for (auto* r = first_; r; r = r->next_)
    asio::post(r->strand_, [alive = r->alive_, wd = r->wd_, cause] {
      if (*alive) wd->trigger(cause);
    });
}

}  // namespace gateway
