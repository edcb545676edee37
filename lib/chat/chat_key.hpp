// The cache key of a /chat request: everything that decides its answer - the question's form (the
// normalized text, or its similar-question form: lib/match), the history actually sent upstream, and
// the configuration's match mode, model, system prompt, reasoning effort and sampling settings
// (hashed once per builder).
#pragma once

#include "cache/cache_key.hpp"
#include "chat/chat_request.hpp"
#include "config/gateway_config.hpp"

#include <cstdint>
#include <span>

namespace gateway {

/// Threading: thread-safe after construction.
class chat_key_builder {
 public:
  explicit chat_key_builder(const gateway_config& cfg);
  /// `similar`: `question` is a similar-question form, not a normalized text (the two never share keys).
  /// Pure: /chat remembers the keys of recent questions (chat/question_memo.hpp).
  cache_key operator()(std::string_view question, std::span<const chat_message> history, bool similar = false) const;

 private:
  cache_key_builder keys_;
};

/// One key without keeping a builder (tests, one-off use).
cache_key make_cache_key(std::string_view normalized_question, std::span<const chat_message> history,
                         const gateway_config& cfg);

}  // namespace gateway
