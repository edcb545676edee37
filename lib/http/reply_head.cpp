#include "http/reply_head.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace gateway {
namespace {

void field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void number(std::string& out, std::size_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

}  // namespace

void append_reply_head(std::string& out, unsigned status, unsigned version, bool keep_alive,
                       std::size_t content_length, const reply_fields& f) {
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  number(out, status);
  out.push_back(' ');
  const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  field(out, "Server", "chat-gateway");
  field(out, "Content-Type", f.content_type);
  if (version == 11 && !keep_alive) field(out, "Connection", "close");
  if (version == 10 && keep_alive) field(out, "Connection", "keep-alive");
  out.append("Content-Length: ");
  number(out, content_length);
  out.append("\r\n");
  field(out, "x-request-id", f.request_id);
  if (!f.allow.empty()) field(out, "Allow", f.allow);
  if (!f.retry_after.empty()) field(out, "Retry-After", f.retry_after);
  if (!f.x_cache.empty()) field(out, "x-cache", f.x_cache);
  if (!f.x_cache_match.empty()) field(out, "x-cache-match", f.x_cache_match);
  for (const auto& [name, value] : f.extra) field(out, name, value);
  out.append("\r\n");
}

}  // namespace gateway
