#include "chat/chat_request.hpp"

#include "chat/plain_chat_request.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

namespace gateway {
namespace {

request_error invalid(std::string message) { return {error::invalid_request, std::move(message)}; }

// Length in bytes of a Unicode white-space code point at the start of `s`, or 0.
std::size_t leading_space(std::string_view s) noexcept {
  if (s.empty()) return 0;
  const auto c0 = static_cast<unsigned char>(s[0]);
  if (c0 == ' ' || (c0 >= '\t' && c0 <= '\r')) return 1;
  if (c0 == 0xC2 && s.size() >= 2 && static_cast<unsigned char>(s[1]) == 0xA0) return 2;  // NBSP
  if (c0 == 0xE2 && s.size() >= 3) {
    const auto c1 = static_cast<unsigned char>(s[1]), c2 = static_cast<unsigned char>(s[2]);
    if (c1 == 0x80 && (c2 <= 0x8A || c2 == 0xAF)) return 3;  // U+2000..U+200A, U+202F
    if (c1 == 0x81 && c2 == 0x9F) return 3;                  // U+205F
  }
  if (c0 == 0xE3 && s.size() >= 3 && static_cast<unsigned char>(s[1]) == 0x80 &&
      static_cast<unsigned char>(s[2]) == 0x80)
    return 3;  // U+3000
  return 0;
}

// Same, for a code point ending at the end of `s`.
std::size_t trailing_space(std::string_view s) noexcept {
  for (std::size_t len : {1u, 2u, 3u}) {
    if (s.size() < len) break;
    const auto tail = s.substr(s.size() - len);
    if (leading_space(tail) == len) return len;
  }
  return 0;
}

}  // namespace

std::size_t utf8_length(std::string_view text) noexcept {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;  // count every byte that starts a code point
  return n;
}

std::string_view trim_space(std::string_view text) noexcept {
  while (auto n = leading_space(text)) text.remove_prefix(n);
  while (auto n = trailing_space(text)) text.remove_suffix(n);
  return text;
}

parse_result parse_chat_request(std::string_view body, const request_limits& limits) {
  if (auto plain = parse_plain_chat_request(body, limits)) return std::move(*plain);
  return parse_chat_request_document(body, limits);
}

parse_result parse_chat_request_document(std::string_view body, const request_limits& limits) {
  boost::system::error_code ec;
  // The document lives in this frame's buffer while it is read (it is copied out below): a typical
  // request allocates nothing for it. Larger ones go on to the heap.
  unsigned char buffer[4096];
  boost::json::monotonic_resource memory(buffer, sizeof buffer);
  // Boost.JSON rejects invalid UTF-8 inside strings by default, so everything below is valid UTF-8.
  boost::json::value root = boost::json::parse(body, ec, &memory);
  if (ec) return request_error{error::invalid_json, fmt::format("body is not valid JSON: {}", ec.message())};
  const auto* obj = root.if_object();
  if (!obj) return request_error{error::invalid_json, "body must be a JSON object"};

  chat_request out;

  const auto* q = obj->if_contains("question");
  if (!q) return invalid("'question' is required");
  if (!q->is_string()) return invalid("'question' must be a string");
  const auto question = trim_space(q->get_string());
  if (question.empty()) return invalid("'question' must not be empty");
  if (utf8_length(question) > limits.max_question_chars)
    return invalid(fmt::format("'question' is longer than {} characters", limits.max_question_chars));
  out.question = std::string(question);

  if (const auto* h = obj->if_contains("history"); h && !h->is_null()) {
    const auto* arr = h->if_array();
    if (!arr) return invalid("'history' must be an array");
    if (arr->size() > limits.max_history_messages)
      return invalid(fmt::format("'history' has more than {} messages", limits.max_history_messages));
    out.history.reserve(arr->size());
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto* m = (*arr)[i].if_object();
      if (!m) return invalid(fmt::format("history[{}] must be an object", i));
      const auto* role = m->if_contains("role");
      const auto* content = m->if_contains("content");
      if (!role || !role->is_string() || (role->get_string() != "user" && role->get_string() != "assistant"))
        return invalid(fmt::format("history[{}].role must be \"user\" or \"assistant\"", i));
      if (!content || !content->is_string())
        return invalid(fmt::format("history[{}].content must be a string", i));
      if (trim_space(content->get_string()).empty())
        return invalid(fmt::format("history[{}].content must not be empty", i));
      if (utf8_length(content->get_string()) > limits.max_history_content_chars)
        return invalid(fmt::format("history[{}].content is longer than {} characters", i,
                                   limits.max_history_content_chars));
      out.history.push_back({std::string(role->get_string()), std::string(content->get_string())});
    }
  }

  if (const auto* s = obj->if_contains("stream"); s && !s->is_null()) {
    if (!s->is_bool()) return invalid("'stream' must be true or false");
    out.stream = s->get_bool();
  }
  if (const auto* cache = obj->if_contains("cache"); cache && !cache->is_null()) {
    if (!cache->is_bool()) return invalid("'cache' must be true or false");
    out.cache = cache->get_bool();
  }
  return out;
}

}  // namespace gateway
