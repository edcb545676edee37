// The OpenAI-compatible endpoint: POST /v1/chat/completions (and Groq's /openai/v1/...) and
// GET /v1/models. Requests pass through to the upstream with the gateway's key, through the same
// upstream_caller as /chat (retries, breaker, deadlines); JSON answers are relayed byte for byte,
// streams event by event in the upstream's own format, errors in OpenAI's shape.
// Cacheable requests (see openai_protocol.hpp) share the response cache and coalescing with /chat:
// the key hashes the canonical request body without `stream`/`stream_options`, and an answer is
// replayed as a JSON body or as chunks in the upstream's format, whichever the request asks for.
#pragma once

#include "cache/flight_io.hpp"
#include "cache/response_cache.hpp"
#include "config/gateway_config.hpp"
#include "core/logger.hpp"
#include "http/access_log.hpp"
#include "http/active_requests.hpp"
#include "http/serve.hpp"
#include "upstream/upstream_call.hpp"

#include <boost/beast/core/tcp_stream.hpp>

#include <mutex>

namespace gateway {

class gateway_metrics;
struct openai_request;

class openai_handler {
 public:
  /// `cache` and `metrics` may be null; `flights` and `active` are shared with the other endpoints.
  openai_handler(const gateway_config& cfg, upstream_caller& upstream, response_cache* cache,
                 flight_registry& flights, active_requests& active, logger log, gateway_metrics* metrics = nullptr);

  /// Both return whether the connection may be kept; `report` receives what the access log and
  /// metrics need.
  net::awaitable<bool> completions(boost::beast::tcp_stream& client, const request_t& req, std::string_view id,
                                   request_report& report);
  /// The upstream's model list, cached for a minute.
  net::awaitable<bool> models(boost::beast::tcp_stream& client, const request_t& req, std::string_view id,
                              request_report& report);

 private:
  struct call;
  net::awaitable<bool> reply_json(call& c);
  net::awaitable<bool> relay_stream(call& c);
  net::awaitable<bool> reply_cached(call& c, const cached_answer& hit);
  net::awaitable<bool> follow(call& c, flight_registry::ticket ticket, net::steady_timer& wake);
  net::awaitable<bool> start_stream(call& c);
  net::awaitable<boost::system::error_code> send(call& c, const std::string& bytes);
  /// A 200 JSON reply with the request id and X-Cache; returns whether the connection may be kept.
  net::awaitable<bool> send_json(call& c, std::string body);
  net::awaitable<bool> reply_error(call& c, error cause, std::string message, unsigned upstream_status = 0);
  /// A complete answer (or none: not replayable): stored when cacheable, handed to the followers.
  void settle(call& c, std::optional<cached_answer> answer);

  const gateway_config& cfg_;
  upstream_caller& upstream_;
  response_cache* cache_;
  flight_registry& flights_;
  active_requests& active_;
  logger log_;
  gateway_metrics* metrics_;
  std::string completions_target_, models_target_;
  std::mutex models_mutex_;
  std::string models_body_;  // guarded by models_mutex_
  clock_type::time_point models_expire_{};
};

}  // namespace gateway
