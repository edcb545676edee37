#include "upstream/completion.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace gateway {
namespace json = boost::json;
namespace {

std::uint64_t as_count(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (const auto* i = v->if_int64()) return *i > 0 ? static_cast<std::uint64_t>(*i) : 0;
  if (const auto* u = v->if_uint64()) return *u;
  return 0;
}

std::optional<token_usage> read_usage(const json::value* v) {
  if (!v || !v->is_object()) return std::nullopt;
  const auto& o = v->get_object();
  token_usage u{as_count(o, "prompt_tokens"), as_count(o, "completion_tokens"), as_count(o, "total_tokens")};
  if (u.total_tokens == 0) u.total_tokens = u.prompt_tokens + u.completion_tokens;
  return u;
}

std::string string_or_empty(const json::value* v) {
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string error_message_of(const json::value& err) {
  if (const auto* s = err.if_string()) return std::string(*s);
  if (const auto* o = err.if_object()) {
    auto msg = string_or_empty(o->if_contains("message"));
    return msg.empty() ? "upstream error" : msg;
  }
  return "upstream error";
}

}  // namespace

std::optional<completion> parse_completion(std::string_view body) {
  boost::system::error_code ec;
  unsigned char scratch[4096];  // the document lives here while it is read: no allocation per node
  json::monotonic_resource memory(scratch, sizeof scratch);
  json::value root = json::parse(body, ec, &memory);
  if (ec || !root.is_object()) return std::nullopt;
  const auto& o = root.get_object();
  const auto* choices = o.if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().empty()) return std::nullopt;
  const auto* first = choices->get_array()[0].if_object();
  if (!first) return std::nullopt;
  const auto* message = first->if_contains("message");
  if (!message || !message->is_object()) return std::nullopt;
  completion out;
  out.content = string_or_empty(message->get_object().if_contains("content"));
  out.finish_reason = string_or_empty(first->if_contains("finish_reason"));
  out.model = string_or_empty(o.if_contains("model"));
  out.usage = read_usage(o.if_contains("usage"));
  return out;
}

std::string upstream_error_message(std::string_view body) {
  boost::system::error_code ec;
  unsigned char scratch[2048];
  json::monotonic_resource memory(scratch, sizeof scratch);
  json::value root = json::parse(body, ec, &memory);
  if (ec || !root.is_object()) return {};
  const auto* err = root.get_object().if_contains("error");
  return err ? error_message_of(*err) : std::string();
}

}  // namespace gateway
