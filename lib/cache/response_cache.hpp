// The response cache: complete answers by key, sharded (one mutex, hash map and LRU list per shard),
// bounded by entry count and bytes, entries expiring after a TTL. Lookups never do I/O and no lock is
// held beyond a map operation. LRU order is kept per shard (keys spread evenly over shards), which
// approximates a global LRU without a global lock.
// Threading: thread-safe.
#pragma once

#include "core/clock.hpp"
#include "completion/completion.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace gateway {

using cache_key = std::array<unsigned char, 32>;  // SHA-256

/// Hash-map hash of a key: the key already is a cryptographic hash, so any 8 bytes of it will do.
struct cache_key_hash {
  std::size_t operator()(const cache_key& k) const noexcept;
};

struct cached_answer {
  std::string answer;
  std::string model;
  std::optional<token_usage> usage;
  std::string finish_reason;
  /// The upstream's completion id and creation time (Unix seconds): the OpenAI endpoint replays them.
  std::string id = {};
  std::int64_t created = 0;
  /// The JSON reply a hit gets, serialized once when stored (optional: built on demand if empty).
  std::string hit_body = {};
  /// The question as asked (normalized), when the key is a similar-question form: a hit for other
  /// words says X-Cache-Match: similar. Empty: every hit is exact.
  std::string question = {};
  /// What a reasoning model (gpt-oss) thought before `answer`: /v1 streams it as `delta.reasoning`
  /// and returns it as `message.reasoning`, so its replays carry it too. Empty: none (or /chat,
  /// which never shows it). Last, so that aggregate initializers of the fields above stay valid.
  std::string reasoning = {};

  /// Memory charged to the cache for this entry (text plus a fixed overhead).
  std::size_t charge() const {
    return answer.size() + reasoning.size() + model.size() + finish_reason.size() + id.size() + hit_body.size() +
           question.size() + 160;
  }
};

struct cache_limits {
  std::chrono::milliseconds ttl{300'000};
  std::size_t max_entries = 100;
  std::size_t max_bytes = 64 << 20;
  std::size_t shards = 8;  // rounded down to a power of two, at most max_entries
};

struct cache_stats {
  std::uint64_t hits = 0, misses = 0, stores = 0, evictions = 0, expirations = 0;
  std::size_t entries = 0, bytes = 0;
  // The shared tier (REDIS_URL), asked after a local miss: found, not there, and failed (down,
  // timed out, unreadable). All 0 without one.
  std::uint64_t shared_hits = 0, shared_misses = 0, shared_failures = 0;
};

class response_cache {
 public:
  using clock_fn = std::function<clock_type::time_point()>;

  explicit response_cache(cache_limits limits, clock_fn clock = [] { return clock_type::now(); });

  /// The live entry for `key`, marked most recently used; nullptr when absent or expired.
  std::shared_ptr<const cached_answer> find(const cache_key& key);
  /// Inserts or replaces; evicts least recently used entries of the shard to stay in bounds.
  /// An answer larger than a shard's byte budget is not stored.
  void store(const cache_key& key, cached_answer answer);

  cache_stats stats() const;
  std::size_t shard_count() const { return shards_.size(); }

 private:
  struct entry {
    cache_key key;
    std::shared_ptr<const cached_answer> value;
    clock_type::time_point expires;
    std::size_t charge;
  };
  struct shard {
    std::mutex mutex;
    std::list<entry> lru;  // front = most recently used
    std::unordered_map<cache_key, std::list<entry>::iterator, cache_key_hash> index;
    std::size_t bytes = 0;
  };
  shard& shard_for(const cache_key& key);
  void erase(shard& s, std::list<entry>::iterator it);

  cache_limits limits_;
  clock_fn clock_;
  std::size_t entries_per_shard_;
  std::size_t bytes_per_shard_;
  std::vector<std::unique_ptr<shard>> shards_;
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, stores_{0}, evictions_{0}, expirations_{0};
};

}  // namespace gateway
