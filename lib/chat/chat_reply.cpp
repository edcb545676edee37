#include "chat/chat_reply.hpp"

#include "core/text.hpp"
#include "core/utf8.hpp"

namespace gateway {
namespace {

// Written by hand, in the order and with the escaping of Boost.JSON's serializer (a unit test
// holds the two equal): a DOM built and serialized weighed on every /chat reply (benchmark 9).
void append_usage(std::string& out, const std::optional<token_usage>& usage) {
  if (!usage) {
    out.append("null");
    return;
  }
  out.append("{\"prompt_tokens\":");
  append_decimal(out, usage->prompt_tokens);
  out.append(",\"completion_tokens\":");
  append_decimal(out, usage->completion_tokens);
  out.append(",\"total_tokens\":");
  append_decimal(out, usage->total_tokens);
  out.push_back('}');
}

// `"model":...,"cached":...,"usage":...}` - the end of a reply and of a done event.
void append_model_cached_usage(std::string& out, std::string_view model, bool cached,
                               const std::optional<token_usage>& usage) {
  out.append(",\"model\":");
  append_json_string(out, model);
  out.append(cached ? ",\"cached\":true,\"usage\":" : ",\"cached\":false,\"usage\":");
  append_usage(out, usage);
  out.push_back('}');
}

void append_error_object(std::string& out, std::string_view code, std::string_view message) {
  out.append("{\"error\":{\"code\":");
  append_json_string(out, code);
  out.append(",\"message\":");
  append_json_string(out, message);
  out.append("}}");
}

}  // namespace

std::string json_reply(std::string_view answer, std::string_view model, bool cached,
                       const std::optional<token_usage>& usage) {
  std::string out;
  out.reserve(answer.size() + model.size() + 128);
  out.append("{\"answer\":");
  append_json_string(out, answer);
  append_model_cached_usage(out, model, cached, usage);
  return out;
}

std::string json_error(std::string_view code, std::string_view message) {
  std::string out;
  append_error_object(out, code, message);
  return out;
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
  std::string out = "data: {\"done\":true";
  append_model_cached_usage(out, model, cached, usage);
  out.append("\n\n");
  return out;
}

std::string sse_error(std::string_view code, std::string_view message) {
  std::string out = "data: ";
  append_error_object(out, code, message);
  out.append("\n\n");
  return out;
}

}  // namespace gateway
