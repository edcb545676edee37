#include "transport/upstream_pool.hpp"

#include "net/peer_probe.hpp"

namespace gateway {

std::unique_ptr<upstream_connection> upstream_pool::take() {
  const auto now = clock_type::now();
  for (;;) {
    std::unique_ptr<upstream_connection> conn;
    {
      std::lock_guard lock(mutex_);
      if (idle_.empty()) return nullptr;
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
    // EOF means the server closed it; data on an idle HTTP connection is unexpected: do not reuse.
    if (now - conn->idle_since <= max_idle_age_ && probe_peer(conn->socket()) == peer_state::quiet) {
      ++reused_;
      return conn;
    }
    ++stale_;
    conn->close();
  }
}

void upstream_pool::give_back(std::unique_ptr<upstream_connection> conn) {
  conn->idle_since = clock_type::now();
  {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(std::move(conn));
      return;
    }
  }
  conn->close();
}

pool_stats upstream_pool::stats() const {
  std::lock_guard lock(mutex_);
  return {created_.load(), reused_.load(), stale_.load(), resumed_.load(), idle_.size(), in_use_.load()};
}

}  // namespace gateway
