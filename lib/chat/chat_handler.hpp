// POST /chat: validates the question, builds the upstream body and the cache key (from the question's
// similar-question form with CACHE_MATCH=similar), and hands the request to the relay pipeline with
// /chat's format (chat_format.hpp). Everything after parsing -
// cache, coalescing, the upstream call, the stream relay, errors - is the pipeline's.
#pragma once

#include "cache/question_normalizer.hpp"
#include "chat/chat_key.hpp"
#include "chat/upstream_body.hpp"
#include "config/gateway_config.hpp"
#include "http/request_context.hpp"
#include "chat/question_memo.hpp"
#include "match/question_canon.hpp"
#include "relay/pipeline.hpp"

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace gateway {

class chat_handler {
 public:
  chat_handler(relay_pipeline& pipeline, const gateway_config& cfg);

  /// Answers one request; returns whether the connection may be kept alive.
  asio::awaitable<bool> handle(request_context& rc);

  /// What /chat reads a question with (for POST /v1/cache/explain); canon() is null with
  /// CACHE_MATCH=exact.
  const question_normalizer& normalizer() const { return normalize_; }
  const question_canon* canon() const { return canon_.get(); }

 private:
  /// The request's question read for the cache: `normalized` gets its normalized text; returns
  /// its cache key (with its history). Remembered for recent questions (question_memo).
  cache_key read_question(const chat_request& chat, std::string& normalized) const;
  /// The cache key of a question (normalized) with the history it is sent with.
  cache_key key_for(const std::string& question, std::span<const chat_message> history) const;

  relay_pipeline& pipeline_;
  const gateway_config& cfg_;
  chat_key_builder keys_;          // the configuration's part of every key, hashed once
  upstream_body_builder body_;     // the configuration's part of every upstream body, written once
  question_normalizer normalize_;  // built once: ICU locale set-up is not free
  std::unique_ptr<question_canon> canon_;  // CACHE_MATCH=similar only
  question_memo memo_;             // what the three above derived from recent questions
  std::string target_;             // upstream path of chat completions
};

}  // namespace gateway
