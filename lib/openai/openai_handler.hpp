// The OpenAI-compatible endpoint: POST /v1/chat/completions (and Groq's /openai/v1/...) and
// GET /v1/models. Requests pass through to the upstream with the gateway's key, through the same
// upstream_caller as /chat (retries, breaker, deadlines); JSON answers are relayed byte for byte,
// streams event by event in the upstream's own format, errors in OpenAI's shape.
#pragma once

#include "config/gateway_config.hpp"
#include "core/logger.hpp"
#include "http/access_log.hpp"
#include "http/serve.hpp"
#include "upstream/upstream_call.hpp"

#include <boost/beast/core/tcp_stream.hpp>

#include <mutex>

namespace gateway {

class gateway_metrics;

class openai_handler {
 public:
  openai_handler(const gateway_config& cfg, upstream_caller& upstream, logger log, gateway_metrics* metrics = nullptr);

  /// Both return whether the connection may be kept; `report` receives what the access log and
  /// metrics need.
  net::awaitable<bool> completions(boost::beast::tcp_stream& client, const request_t& req, std::string_view id,
                                   request_report& report);
  /// The upstream's model list, cached for a minute.
  net::awaitable<bool> models(boost::beast::tcp_stream& client, const request_t& req, std::string_view id,
                              request_report& report);

 private:
  struct call;
  net::awaitable<bool> relay_stream(call& c);
  net::awaitable<boost::system::error_code> send(call& c, const std::string& bytes);
  net::awaitable<bool> reply_error(call& c, error cause, std::string message, unsigned upstream_status = 0);

  const gateway_config& cfg_;
  upstream_caller& upstream_;
  logger log_;
  gateway_metrics* metrics_;
  std::string completions_target_, models_target_;
  std::mutex models_mutex_;
  std::string models_body_;  // guarded by models_mutex_
  clock_type::time_point models_expire_{};
};

}  // namespace gateway
