// One request as a handler sees it: the client's stream, the parsed request, its id, and the
// report the router turns into the access log line and the metrics. Passed by reference down the
// one request path (router -> endpoint handler -> relay pipeline).
#pragma once

#include "http/access_log.hpp"
#include "http/inbound_request.hpp"
#include "net/asio_fwd.hpp"
#include "trace/request_spans.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace gateway {
namespace beast = boost::beast;

struct request_context {
  boost::beast::tcp_stream& client;
  const inbound_request& req;
  std::string_view id;     // X-Request-Id: the client's when usable, else the gateway's own
  request_report& report;  // filled as the request is answered
  boost::beast::flat_buffer& read_buffer;  // the connection's: see release_read_buffer
  request_spans* spans = nullptr;  // this request's spans when its trace is recorded (OTEL_*), else null
};

/// For a request about to wait long (one that goes upstream): the connection's read buffer goes
/// back while it holds nothing (4 KiB of every open stream; the next request allocates it again).
inline void release_read_buffer(request_context& rc) {
  if (rc.read_buffer.size() == 0) rc.read_buffer.shrink_to_fit();
}

/// Whether the request says its body is JSON (`application/json`, parameters and case aside).
bool has_json_body(const inbound_request& req);

/// What a complete response may carry besides its status and body.
struct reply_headers {
  std::string_view content_type = "application/json; charset=utf-8";
  std::string_view allow = {};        // with 405
  std::string_view retry_after = {};  // with 429 and 503
  std::string_view x_cache = {};      // how the response cache took part, where an endpoint says so
  std::string_view x_cache_match = {};  // on cache hits: exact or similar
  std::span<const std::pair<std::string, std::string>> extra = {};  // e.g. x-ratelimit-* with a 429
  std::string_view server_timing = {};  // http/reply_head.hpp's server_timing()
};

/// Writes one complete response (with X-Request-Id) under `timeout` and records its status and body
/// bytes in the report. A HEAD request gets the headers of the GET answer and no body. Returns
/// whether the connection may be kept.
asio::awaitable<bool> send_reply(request_context& rc, unsigned status, std::string body,
                                 std::chrono::milliseconds timeout, reply_headers headers = {});
/// The same for a body that outlives the reply (a cached answer's): written from where it is.
asio::awaitable<bool> send_reply_view(request_context& rc, unsigned status, std::string_view body,
                                      std::chrono::milliseconds timeout, reply_headers headers = {});

}  // namespace gateway
