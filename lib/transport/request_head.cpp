#include "transport/request_head.hpp"

#include <charconv>

namespace gateway {

std::string upstream_request_bytes(const upstream_request_head& h, std::string_view body) {
  namespace beast = boost::beast;
  const bool post = h.method == beast::http::verb::post;
  const auto method = beast::http::to_string(h.method);
  char length[24];
  const auto length_end = std::to_chars(length, length + sizeof length, body.size()).ptr;
  const bool with_length = post || !body.empty();

  std::string out;
  out.reserve(256 + h.target.size() + h.host.size() + h.request_id.size() + h.authorization.size() +
              h.trace_fields.size() + body.size());
  out.append(method.data(), method.size()).append(" ").append(h.target).append(" HTTP/1.1\r\nHost: ");
  out.append(h.host).append("\r\nUser-Agent: chat-gateway/0.1\r\n");
  if (post) out.append("Content-Type: application/json\r\n");
  if (!h.request_id.empty()) out.append("x-request-id: ").append(h.request_id).append("\r\n");
  out.append(h.trace_fields);
  out.append("Accept: application/json, text/event-stream\r\n");
  if (!h.authorization.empty()) out.append("Authorization: ").append(h.authorization).append("\r\n");
  if (with_length) out.append("Content-Length: ").append(length, length_end).append("\r\n");
  out.append("\r\n").append(body);
  return out;
}

}  // namespace gateway
