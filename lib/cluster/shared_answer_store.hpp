// The two-tier answer store for several instances: the in-process cache in front of Redis.
// find_local is the local tier alone (no I/O); find_shared asks Redis (GET, under REDIS_TIMEOUT
// and the request's deadline) and a hit fills the local tier; store keeps the answer locally and
// sends SET ... PX TTL without waiting. Entries are entry_codec bytes under the answer's key -
// the similar-question form's key, so instance B answers what A stored for a question in other
// words - and outlive any gateway process. Redis down, slow or answering nonsense is a miss.
// The gateway itself looks answers up through shared_flights::claim, which reads the same key and
// takes the question's lock in one round trip; find_shared is the store's lookup on its own.
// Key layout (docs/architecture.md): cgw:{KEY}:a, KEY the hex of the 32-byte cache key; the braces
// are a Redis Cluster hash tag, so a flight's other keys (cgw:{KEY}:...) share its slot.
// Threading: thread-safe.
#pragma once

#include "cache/answer_store.hpp"
#include "redis/redis_client.hpp"

#include <atomic>
#include <memory>

namespace gateway::cluster {

/// "cgw:{HEX}:" - the prefix of every shared key that belongs to one cache key.
std::string key_prefix(const cache_key& key);

class shared_answer_store final : public answer_store {
 public:
  shared_answer_store(cache_limits limits, std::shared_ptr<redis::redis_client> redis);

  std::shared_ptr<const cached_answer> find_local(const cache_key& key) override { return local_.find(key); }
  bool has_shared_tier() const override { return true; }
  asio::awaitable<std::shared_ptr<const cached_answer>> find_shared(const cache_key& key,
                                                                    clock_type::time_point deadline) override;
  void store(const cache_key& key, cached_answer answer) override;
  void keep_local(const cache_key& key, cached_answer answer, bool shared_hit) override;
  cache_stats stats() const override;

 private:
  response_cache local_;
  std::shared_ptr<redis::redis_client> redis_;
  std::chrono::milliseconds ttl_;
  std::atomic<std::uint64_t> shared_hits_{0}, shared_misses_{0}, shared_failures_{0};
};

/// Reads an entry as the shared tier keeps it; nullopt for anything else.
std::optional<cached_answer> read_shared_entry(std::string_view bytes);

}  // namespace gateway::cluster
