// The cache key: SHA-256 over everything that decides an answer - the normalized question, the
// history actually sent upstream, model, system prompt, max tokens, temperature and top_p - each
// field length-prefixed so that no two different inputs serialize alike.
#pragma once

#include "cache/response_cache.hpp"
#include "chat/chat_request.hpp"
#include "config/gateway_config.hpp"

#include <memory>
#include <span>

namespace gateway {

/// Builds keys for one configuration. The configuration's part of the input (system prompt, model,
/// sampling settings) is hashed once, at construction; each key then only hashes the question and
/// the history on top of a copy of that state - the cache-hit path is hot.
/// Threading: thread-safe after construction.
class cache_key_builder {
 public:
  explicit cache_key_builder(const gateway_config& cfg);
  ~cache_key_builder();
  cache_key_builder(const cache_key_builder&) = delete;
  cache_key_builder& operator=(const cache_key_builder&) = delete;

  cache_key operator()(std::string_view normalized_question, std::span<const chat_message> history) const;

 private:
  struct digest;
  std::unique_ptr<digest> prefix_;  // SHA-256 state after the configuration's fields
};

/// A key for a whole request text of another endpoint: SHA-256 over `domain` (names the endpoint
/// and its format version, so no two endpoints share keys) and `input`, length-prefixed.
cache_key make_request_key(std::string_view domain, std::string_view input);

/// One key without keeping a builder (tests, one-off use).
cache_key make_cache_key(std::string_view normalized_question, std::span<const chat_message> history,
                         const gateway_config& cfg);

}  // namespace gateway
