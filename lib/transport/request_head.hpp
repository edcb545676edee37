// The bytes of one upstream request, head and body, written by hand into one string: what Beast's
// serializer wrote for the same message (same fields, same order - a unit test holds the two
// equal), without a fields container, a serializer and its buffer views per request (a large part
// of every non-streaming request: benchmark 9). One string is one SSL_write and one TLS record for
// a request of up to 16 KiB. Pure.
#pragma once

#include <boost/beast/http/verb.hpp>

#include <string>
#include <string_view>

namespace gateway {

/// What varies between upstream requests. Values go out as they are: the caller passes none with
/// CR, LF or NUL in it (the target and host come from a checked URL, the key from checked
/// configuration, the request id from request_id_for).
struct upstream_request_head {
  boost::beast::http::verb method = boost::beast::http::verb::post;
  std::string_view target;
  std::string_view host;           // the Host field's value
  std::string_view request_id;     // sent as x-request-id when not empty
  std::string_view authorization;  // sent when not empty
  std::string_view trace_fields;   // whole header lines ("traceparent: ...\r\n..."), after x-request-id
};

/// "POST /openai/v1/chat/completions HTTP/1.1\r\nHost: ...\r\nUser-Agent: chat-gateway/0.1\r\n
/// Content-Type: application/json\r\nx-request-id: ...\r\n[trace fields]Accept: ...\r\nAuthorization: ...\r\n
/// Content-Length: N\r\n\r\n" and the body. Content-Type only on POST; Content-Length on POST and
/// on any request with a body (as Beast's prepare_payload decides).
std::string upstream_request_bytes(const upstream_request_head& h, std::string_view body);

}  // namespace gateway
