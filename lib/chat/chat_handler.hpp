// POST /chat: validates the question, asks the upstream, and answers with one JSON body or relays
// the upstream's stream as Server-Sent Events - each upstream read parsed and written to the
// client in the same handler chain, on the client connection's strand.
// Owns the request's deadlines and cancels the upstream call when the client goes away.
// With the cache on, concurrent requests for one key share one upstream call (see single_flight.hpp):
// the first leads, the others follow its stream from their own strands.
#pragma once

#include "cache/cache_key.hpp"
#include "cache/flight_io.hpp"
#include "cache/question_normalizer.hpp"
#include "cache/response_cache.hpp"
#include "cache/single_flight.hpp"
#include "config/gateway_config.hpp"
#include "core/logger.hpp"
#include "http/access_log.hpp"
#include "http/active_requests.hpp"
#include "http/serve.hpp"
#include "upstream/upstream_call.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>


namespace gateway {

class gateway_metrics;

class chat_handler {
 public:
  /// `cache` and `metrics` may be null (CACHE_ENABLED=false; no metrics in some tests). `flights`
  /// and `active` are shared with the other endpoints.
  chat_handler(const gateway_config& cfg, upstream_caller& upstream, response_cache* cache,
               flight_registry& flights, active_requests& active, logger log, gateway_metrics* metrics = nullptr);

  /// Answers one request; returns whether the connection may be kept alive. `report` receives what
  /// the access log and metrics need (status sent, cache status, upstream attempts, ...).
  net::awaitable<bool> handle(boost::beast::tcp_stream& client, const request_t& req,
                              std::string_view request_id, request_report& report);

 private:
  struct call;  // one request's state, defined in the .cpp
  net::awaitable<bool> reply_json(call& c);
  net::awaitable<bool> reply_stream(call& c);
  net::awaitable<bool> reply_error(call& c, std::error_code cause, std::string message);
  net::awaitable<bool> reply_cached(call& c, const cached_answer& hit, bool stream);
  net::awaitable<bool> follow(call& c, flight_registry::ticket ticket, net::steady_timer& wake, bool stream);
  net::awaitable<bool> start_sse(call& c);
  net::awaitable<boost::system::error_code> send_sse(call& c, const std::string& bytes);
  net::awaitable<bool> end_sse(call& c);
  /// A complete answer: stored in the cache when cacheable, handed to the flight's followers.
  void settle(call& c, cached_answer answer);

  const gateway_config& cfg_;
  upstream_caller& upstream_;
  response_cache* cache_;
  flight_registry& flights_;
  active_requests& active_;  // a shutdown ends what is registered there (streams: a final error event)
  cache_key_builder keys_;  // the configuration's part of every key, hashed once
  question_normalizer normalize_;  // built once: ICU locale set-up is not free
  logger log_;
  gateway_metrics* metrics_;
  std::string target_;  // upstream path of chat completions
};

}  // namespace gateway
