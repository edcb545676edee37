// What /chat derives from a question before it can look up an answer - the question's normalized
// text and its cache key - remembered for the questions asked recently. Repeated questions are
// what the cache is for, and the derivation (ICU normalization, the similar-question form, a
// SHA-256) is the costly part of a cache hit: a repeated question costs one lookup instead.
//
// Owned by the chat handler that derives the readings, so it never holds another configuration's
// keys. Only short questions asked without history are remembered (the key depends on the
// history). Bounded in bytes: a shard that would pass its part of the budget starts over.
// Threading: thread-safe: sharded by the question's hash, one lock per shard, held for a lookup
// or an insert only, never while a reading is derived.
#pragma once

#include "cache/response_cache.hpp"
#include "core/text_memo.hpp"

#include <array>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace gateway {

struct question_reading {
  std::string normalized;  // question_normalizer's text
  cache_key key;
};

class question_memo {
 public:
  /// Longer questions are derived each time: they are rarely repeated, and costly to hold.
  static constexpr std::size_t max_question = 512;
  static constexpr std::size_t max_bytes = 4 << 20;

  std::optional<question_reading> find(std::string_view question) const;
  void put(std::string_view question, const question_reading& reading) const;  // a memo: logically const

 private:
  static constexpr std::size_t shard_count = 16;
  struct shard {
    std::mutex mutex;
    text_memo<question_reading> memo{max_bytes / shard_count};  // guarded by mutex
  };
  shard& shard_of(std::string_view question) const;

  mutable std::array<shard, shard_count> shards_;  // a lookup takes its shard's lock
};

}  // namespace gateway
