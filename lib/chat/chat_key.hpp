// The cache key of a /chat request: everything that decides its answer - the normalized question,
// the history actually sent upstream, and the configuration's model, system prompt, reasoning
// effort and sampling settings (hashed once per builder).
#pragma once

#include "cache/cache_key.hpp"
#include "chat/chat_request.hpp"
#include "config/gateway_config.hpp"

#include <span>

namespace gateway {

/// Threading: thread-safe after construction.
class chat_key_builder {
 public:
  explicit chat_key_builder(const gateway_config& cfg);
  cache_key operator()(std::string_view normalized_question, std::span<const chat_message> history) const;

 private:
  cache_key_builder keys_;
};

/// One key without keeping a builder (tests, one-off use).
cache_key make_cache_key(std::string_view normalized_question, std::span<const chat_message> history,
                         const gateway_config& cfg);

}  // namespace gateway
