// The OpenAI-compatible endpoint: POST /v1/chat/completions (and Groq's /openai/v1/...) and
// GET /v1/models. A completion request is checked (openai_protocol.hpp), its cache key computed
// when it is cacheable, and handed to the relay pipeline with the OpenAI format
// (openai_format.hpp): bodies and chunks pass through, errors come in OpenAI's shape. The model
// list is asked through the pipeline's fetch() - registered, watched and under REQUEST_TIMEOUT like
// every upstream call - and kept for a minute.
#pragma once

#include "config/gateway_config.hpp"
#include "core/logger.hpp"
#include "http/request_context.hpp"
#include "openai/openai_protocol.hpp"
#include "relay/pipeline.hpp"

#include <mutex>
#include <string>

namespace gateway {

class openai_handler {
 public:
  openai_handler(relay_pipeline& pipeline, const gateway_config& cfg, logger log);

  /// Both return whether the connection may be kept.
  asio::awaitable<bool> completions(request_context& rc);
  /// The upstream's model list, cached for a minute.
  asio::awaitable<bool> models(request_context& rc);

 private:
  /// A request refused before the upstream is asked, in OpenAI's error shape.
  asio::awaitable<bool> refuse(request_context& rc, const openai_error& bad);

  relay_pipeline& pipeline_;
  const gateway_config& cfg_;
  logger log_;
  std::string completions_target_, models_target_;
  std::mutex models_mutex_;
  std::string models_body_;  // guarded by models_mutex_
  clock_type::time_point models_expire_{};
};

}  // namespace gateway
