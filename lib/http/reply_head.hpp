// The head of a response, written by hand into one string: the bytes Beast's serializer writes for
// the same message (same fields, same order - a unit test holds the two equal), without a fields
// container, a serializer and its buffer views per reply. Every complete reply of the gateway
// (cache hits above all) and every SSE stream's head goes through it; benchmark 9 has the profiles
// that asked for it. Pure.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace gateway {

/// The fields of one complete reply, besides its status and body.
struct reply_fields {
  std::string_view content_type;
  std::string_view request_id;
  std::string_view allow = {};
  std::string_view retry_after = {};
  std::string_view x_cache = {};
  std::string_view x_cache_match = {};
  std::span<const std::pair<std::string, std::string>> extra = {};
  std::string_view server_timing = {};  // see server_timing()
};

/// What a browser's tools show of a reply's time (W3C Server Timing): `cache;desc=<X-Cache>` when
/// the cache took part, and `upstream;desc="first byte";dur=<ms>` when this request called the
/// upstream (`upstream_first_byte` >= 0). Empty when neither. Without an upstream part the value is
/// a literal (a cache hit writes nothing for it); otherwise it is written into `room`.
std::string_view server_timing(std::string_view x_cache, std::chrono::microseconds upstream_first_byte,
                               std::string& room);

/// "HTTP/1.1 200 OK\r\nServer: chat-gateway\r\nContent-Type: ...\r\n[Connection: ...]\r\n
/// Content-Length: N\r\nX-Request-Id: ...\r\n...\r\n\r\n" - Connection as Beast's keep_alive()
/// writes it: "close" on HTTP/1.1 when not kept, "keep-alive" on HTTP/1.0 when kept.
/// `out` keeps up to 500 bytes in place: a reply head needs no allocation of its own.
void append_reply_head(fmt::memory_buffer& out, unsigned status, unsigned version, bool keep_alive,
                       std::size_t content_length, const reply_fields& f);

/// The head of an SSE stream: "HTTP/1.1 200 OK", Server, "Content-Type: text/event-stream;
/// charset=utf-8", "Cache-Control: no-cache", "x-accel-buffering: no" (nginx must not buffer it even
/// where proxy_buffering is on), then for HTTP/1.1 [Connection: close] and
/// "Transfer-Encoding: chunked" (HTTP/1.0 gets a body ended by closing the connection), then
/// x-request-id and the cache fields of `f` (its content type, allow, retry-after and extra are
/// not used). Returns whether the body is chunked.
bool append_sse_head(std::string& out, unsigned version, bool keep_alive, const reply_fields& f);

}  // namespace gateway
