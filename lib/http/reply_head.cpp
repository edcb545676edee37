#include "http/reply_head.hpp"

#include "core/text.hpp"

#include <boost/beast/http/status.hpp>

#include <cassert>
#include <charconv>
#include <cstring>

namespace gateway {
namespace {

// A reply head is written through a pointer into room reserved once for the largest it can be:
// a literal copied by a size known at compile time is a few moves, not a call (every append to
// fmt's buffer was a call, a capacity check and a memcpy: over a thousand instructions a hit's
// head, benchmark 9).
template <std::size_t N>
[[gnu::always_inline]] inline char* put_literal(char* p, const char (&text)[N]) {
  std::memcpy(p, text, N - 1);
  return p + N - 1;
}

[[gnu::always_inline]] inline char* put_view(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

template <std::size_t N>
[[gnu::always_inline]] inline char* put_field(char* p, const char (&name)[N], std::string_view value) {
  p = put_literal(p, name);
  p = put_literal(p, ": ");
  p = put_view(p, value);
  return put_literal(p, "\r\n");
}

// What a field adds: its name, ": ", its value and "\r\n" (nothing when it is not written).
template <std::size_t N>
constexpr std::size_t field_room(const char (&)[N], std::string_view value) {
  return value.empty() ? 0 : N - 1 + 4 + value.size();
}

}  // namespace

void append_reply_head(fmt::memory_buffer& out, unsigned status, unsigned version, bool keep_alive,
                       std::size_t content_length, const reply_fields& f) {
  const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  // Everything fixed - "HTTP/1.x " 9, the status' digits (at most 10) and a space, Server and
  // the Content-Type name 38, the longer Connection field 26, the Content-Length name 18 and its
  // digits (at most 20), the x-request-id name 16, two line ends 4: 142 bytes at most - and the
  // fields given. Within fmt's 500 bytes in place for every head the gateway writes but the
  // largest.
  std::size_t room = 142 + reason.size() + f.content_type.size() + f.request_id.size() +
                     field_room("Allow", f.allow) + field_room("Retry-After", f.retry_after) +
                     field_room("x-cache", f.x_cache) + field_room("x-cache-match", f.x_cache_match) +
                     field_room("Server-Timing", f.server_timing);
  for (const auto& [name, value] : f.extra) room += name.size() + value.size() + 4;
  const auto start = out.size();
  out.resize(start + room);
  char* const begin = out.data() + start;
  char* p = begin;
  p = version == 10 ? put_literal(p, "HTTP/1.0 ") : put_literal(p, "HTTP/1.1 ");
  p = std::to_chars(p, p + 20, status).ptr;
  *p++ = ' ';
  p = put_view(p, {reason.data(), reason.size()});
  p = put_literal(p, "\r\nServer: chat-gateway\r\nContent-Type: ");
  p = put_view(p, f.content_type);
  if (version == 11 && !keep_alive) p = put_literal(p, "\r\nConnection: close");
  if (version == 10 && keep_alive) p = put_literal(p, "\r\nConnection: keep-alive");
  p = put_literal(p, "\r\nContent-Length: ");
  p = std::to_chars(p, p + 20, content_length).ptr;
  p = put_literal(p, "\r\nx-request-id: ");
  p = put_view(p, f.request_id);
  p = put_literal(p, "\r\n");
  if (!f.allow.empty()) p = put_field(p, "Allow", f.allow);
  if (!f.retry_after.empty()) p = put_field(p, "Retry-After", f.retry_after);
  if (!f.x_cache.empty()) p = put_field(p, "x-cache", f.x_cache);
  if (!f.x_cache_match.empty()) p = put_field(p, "x-cache-match", f.x_cache_match);
  if (!f.server_timing.empty()) p = put_field(p, "Server-Timing", f.server_timing);
  for (const auto& [name, value] : f.extra) {
    p = put_view(p, name);
    p = put_literal(p, ": ");
    p = put_view(p, value);
    p = put_literal(p, "\r\n");
  }
  p = put_literal(p, "\r\n");
  assert(static_cast<std::size_t>(p - begin) <= room);  // the sanitizer build checks every test's head
  out.resize(start + static_cast<std::size_t>(p - begin));
}

namespace {

// For the SSE head: a string, kept until the stream's first write.
void put(std::string& out, std::string_view s) { out.append(s.data(), s.size()); }

// Inlined at every use: as a call (GCC stops inlining it past a number of uses) it cost a hit's
// head more than the fields it writes (benchmark 9).
[[gnu::always_inline]] inline void field(std::string& out, std::string_view name, std::string_view value) {
  put(out, name);
  put(out, ": ");
  put(out, value);
  put(out, "\r\n");
}

}  // namespace

bool append_sse_head(std::string& out, unsigned version, bool keep_alive, const reply_fields& f) {
  const bool chunked = version >= 11;
  put(out, chunked ? "HTTP/1.1 200 OK" : "HTTP/1.0 200 OK");
  put(out,
      "\r\nServer: chat-gateway\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache"
      "\r\nx-accel-buffering: no\r\n");
  if (chunked) put(out, keep_alive ? "Transfer-Encoding: chunked\r\n" : "Connection: close\r\nTransfer-Encoding: chunked\r\n");
  field(out, "x-request-id", f.request_id);
  if (!f.x_cache.empty()) field(out, "x-cache", f.x_cache);
  if (!f.x_cache_match.empty()) field(out, "x-cache-match", f.x_cache_match);
  if (!f.server_timing.empty()) field(out, "Server-Timing", f.server_timing);
  put(out, "\r\n");
  return chunked;
}

std::string_view server_timing(std::string_view x_cache, std::chrono::microseconds upstream_first_byte,
                               std::string& room) {
  if (upstream_first_byte.count() < 0) {
    if (x_cache.empty()) return {};
    for (const std::string_view fixed :
         {"cache;desc=HIT", "cache;desc=MISS", "cache;desc=COALESCED", "cache;desc=BYPASS"})
      if (fixed.substr(11) == x_cache) return fixed;
  }
  room.clear();
  if (!x_cache.empty()) room.append("cache;desc=").append(x_cache);
  if (upstream_first_byte.count() >= 0) {
    if (!room.empty()) room.append(", ");
    room.append("upstream;desc=\"first byte\";dur=");
    append_milliseconds(room, upstream_first_byte);
  }
  return room;
}

}  // namespace gateway
