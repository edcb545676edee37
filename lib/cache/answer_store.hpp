// The answer store: where the request pipeline looks answers up and keeps them, behind one
// interface, so that a second tier shared by several instances plugs in without touching a handler
// or the relay. The in-process tier answers at once (no I/O, no coroutine on the hit path); a
// shared tier, when there is one, is asked asynchronously under a deadline, and stores never make
// a request wait.
// Threading: implementations are thread-safe.
#pragma once

#include "cache/response_cache.hpp"
#include "core/clock.hpp"
#include "net/asio_fwd.hpp"

#include <memory>
#include <optional>

namespace gateway {

class answer_store {
 public:
  virtual ~answer_store() = default;

  /// The in-process tier: never waits. nullptr on a miss.
  virtual std::shared_ptr<const cached_answer> find_local(const cache_key& key) = 0;
  /// Whether a tier behind the local one exists (find_shared may then find what find_local did not).
  virtual bool has_shared_tier() const { return false; }
  /// Asks the shared tier, waiting at most until `deadline`. A miss, a timeout and a failure of that
  /// tier all give nullptr: the request then goes upstream. A hit fills the local tier.
  virtual asio::awaitable<std::shared_ptr<const cached_answer>> find_shared(const cache_key& key,
                                                                            clock_type::time_point deadline);
  /// Keeps a complete answer in every tier; a shared tier writes in the background.
  virtual void store(const cache_key& key, cached_answer answer) = 0;
  /// Keeps an answer the shared tier has already in the local tier only: one found there
  /// (`shared_hit`, counted as such) or one followed from another instance's upstream call.
  virtual void keep_local(const cache_key& key, cached_answer answer, bool shared_hit) {
    (void)shared_hit;
    store(key, std::move(answer));
  }
  /// The local tier's numbers, for /metrics.
  virtual cache_stats stats() const = 0;
};

/// The store of a single instance: the sharded in-process response_cache alone.
class local_answer_store final : public answer_store {
 public:
  explicit local_answer_store(cache_limits limits) : cache_(limits) {}
  std::shared_ptr<const cached_answer> find_local(const cache_key& key) override { return cache_.find(key); }
  void store(const cache_key& key, cached_answer answer) override { cache_.store(key, std::move(answer)); }
  cache_stats stats() const override { return cache_.stats(); }

 private:
  response_cache cache_;
};

}  // namespace gateway
