#include "chat/chat_reply.hpp"

#include "core/text.hpp"
#include "core/utf8.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace gateway {
namespace json = boost::json;
namespace {

json::value usage_json(const std::optional<token_usage>& usage) {
  if (!usage) return nullptr;
  return json::object{{"prompt_tokens", usage->prompt_tokens},
                      {"completion_tokens", usage->completion_tokens},
                      {"total_tokens", usage->total_tokens}};
}

std::string event(const json::value& v) {
  std::string out = "data: ";
  out += json::serialize(v);
  out += "\n\n";
  return out;
}

json::object error_object(std::string_view code, std::string_view message) {
  return json::object{{"error", json::object{{"code", code}, {"message", message}}}};
}

}  // namespace

std::string json_reply(std::string_view answer, std::string_view model, bool cached,
                       const std::optional<token_usage>& usage) {
  return json::serialize(json::object{
      {"answer", answer}, {"model", model}, {"cached", cached}, {"usage", usage_json(usage)}});
}

std::string json_error(std::string_view code, std::string_view message) {
  return json::serialize(error_object(code, message));
}

void append_sse_delta(std::string& out, std::string_view text) {
  // Hot path: written in place into the relay's output, no string of its own.
  out.append("data: {\"delta\":");
  append_json_string(out, text);
  out.append("}\n\n");
}

std::string sse_delta(std::string_view text) {
  std::string out;
  append_sse_delta(out, text);
  return out;
}

std::string sse_replay(std::string_view answer) {
  std::string out;
  while (!answer.empty()) {
    const auto cut = utf8_piece(answer, 64);
    append_sse_delta(out, answer.substr(0, cut));
    answer.remove_prefix(cut);
  }
  return out;
}

std::string sse_done(std::string_view model, bool cached, const std::optional<token_usage>& usage) {
  return event(json::object{
      {"done", true}, {"model", model}, {"cached", cached}, {"usage", usage_json(usage)}});
}

std::string sse_error(std::string_view code, std::string_view message) {
  return event(error_object(code, message));
}

}  // namespace gateway
