// Idle keep-alive connections to the upstream, kept for reuse (UPSTREAM_POOL_SIZE at most).
// It only stores connections; connecting and speaking HTTP is upstream_client's job.
//
// Threading: thread-safe (one mutex, held only to push or pop). A connection taken on one strand
// and given back from another is fine: no operation is pending on an idle connection, and the
// mutex orders the hand-over.
#pragma once

#include "transport/upstream_connection.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

namespace gateway {

struct pool_stats {
  std::uint64_t created = 0;
  std::uint64_t reused = 0;
  std::uint64_t discarded_stale = 0;
  std::uint64_t tls_resumed = 0;  // new connections whose TLS handshake resumed a session
  std::size_t idle = 0;
  std::int64_t in_use = 0;  // connections leased to a request right now
};

class upstream_pool {
 public:
  /// `max_idle_age`: idle connections older than this are not reused (servers close idle
  /// keep-alive connections after a while; reusing one then costs a failed attempt).
  explicit upstream_pool(std::size_t max_idle, std::chrono::milliseconds max_idle_age = std::chrono::seconds(30))
      : max_idle_(max_idle), max_idle_age_(max_idle_age) {}

  /// The most recently used idle connection that still looks alive, or nullptr.
  std::unique_ptr<upstream_connection> take();
  /// Keeps `conn` for reuse, or closes it when the pool is full.
  void give_back(std::unique_ptr<upstream_connection> conn);
  /// Counts a newly created connection (for stats).
  std::uint64_t next_id() { return ++created_; }
  /// Counts a new connection whose TLS handshake resumed a session (for stats).
  void resumed() { resumed_.fetch_add(1, std::memory_order_relaxed); }

  pool_stats stats() const;
  /// A request holds a connection (from the pool or new) / gave it back or closed it.
  void leased() { in_use_.fetch_add(1, std::memory_order_relaxed); }
  void released() { in_use_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  std::size_t max_idle_;
  std::chrono::milliseconds max_idle_age_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<upstream_connection>> idle_;  // guarded by mutex_; back = newest
  std::atomic<std::uint64_t> created_{0}, reused_{0}, stale_{0}, resumed_{0};
  std::atomic<std::int64_t> in_use_{0};
};

}  // namespace gateway
