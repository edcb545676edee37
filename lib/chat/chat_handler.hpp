// POST /chat: validates the question, asks the upstream, and answers with one JSON body or relays
// the upstream's stream as Server-Sent Events - each upstream read parsed and written to the
// client in the same handler chain, on the client connection's strand.
// Owns the request's deadlines and cancels the upstream call when the client goes away.
#pragma once

#include "config/gateway_config.hpp"
#include "core/logger.hpp"
#include "http/serve.hpp"
#include "upstream/upstream_client.hpp"

#include <boost/beast/core/tcp_stream.hpp>

namespace gateway {

class chat_handler {
 public:
  chat_handler(const gateway_config& cfg, upstream_client& upstream, logger log);

  /// Answers one request; returns whether the connection may be kept alive.
  net::awaitable<bool> handle(boost::beast::tcp_stream& client, const request_t& req,
                              std::string_view request_id);

 private:
  struct call;  // one request's state, defined in the .cpp
  net::awaitable<bool> reply_json(call& c);
  net::awaitable<bool> reply_stream(call& c);
  net::awaitable<bool> reply_error(call& c, std::error_code cause, std::string message);

  const gateway_config& cfg_;
  upstream_client& upstream_;
  logger log_;
  std::string target_;  // upstream path of chat completions
};

}  // namespace gateway
