#include "http/reply_head.hpp"

#include "core/text.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace gateway {
namespace {

// For both kinds of output: fmt's buffer (a reply's head, in place) and a string (a stream's head,
// kept until its first write).
template <class Out>
void put(Out& out, std::string_view s) {
  out.append(s.data(), s.data() + s.size());
}

// Inlined at every use: as a call (GCC stops inlining it past a number of uses) it cost a hit's
// head more than the fields it writes (benchmark 9).
template <class Out>
[[gnu::always_inline]] inline void field(Out& out, std::string_view name, std::string_view value) {
  put(out, name);
  put(out, ": ");
  put(out, value);
  put(out, "\r\n");
}

void number(fmt::memory_buffer& out, std::size_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

}  // namespace

void append_reply_head(fmt::memory_buffer& out, unsigned status, unsigned version, bool keep_alive,
                       std::size_t content_length, const reply_fields& f) {
  // The fixed parts as whole literals: a hit's head is a dozen appends, not forty.
  put(out, version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  number(out, status);
  out.push_back(' ');
  const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  put(out, {reason.data(), reason.size()});
  put(out, "\r\nServer: chat-gateway\r\nContent-Type: ");
  put(out, f.content_type);
  if (version == 11 && !keep_alive) put(out, "\r\nConnection: close");
  if (version == 10 && keep_alive) put(out, "\r\nConnection: keep-alive");
  put(out, "\r\nContent-Length: ");
  number(out, content_length);
  put(out, "\r\nx-request-id: ");
  put(out, f.request_id);
  put(out, "\r\n");
  if (!f.allow.empty()) field(out, "Allow", f.allow);
  if (!f.retry_after.empty()) field(out, "Retry-After", f.retry_after);
  if (!f.x_cache.empty()) field(out, "x-cache", f.x_cache);
  if (!f.x_cache_match.empty()) field(out, "x-cache-match", f.x_cache_match);
  if (!f.server_timing.empty()) field(out, "Server-Timing", f.server_timing);
  for (const auto& [name, value] : f.extra) field(out, name, value);
  put(out, "\r\n");
}

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
