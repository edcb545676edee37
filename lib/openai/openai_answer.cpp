#include "openai/openai_answer.hpp"

#include "core/utf8.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

namespace gateway {
namespace json = boost::json;
namespace {

std::string string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t int_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (const auto* i = v->if_int64()) return *i;
  if (const auto* u = v->if_uint64()) return static_cast<std::int64_t>(*u);
  return 0;
}

std::optional<token_usage> usage_of(const json::object& o) {
  const json::value* v = o.if_contains("usage");
  if (!v || !v->is_object()) {
    // Groq puts the usage of a stream in x_groq.usage on its last chunk.
    if (const auto* xg = o.if_contains("x_groq"); xg && xg->is_object()) v = xg->get_object().if_contains("usage");
  }
  if (!v || !v->is_object()) return std::nullopt;
  const auto& u = v->get_object();
  token_usage out{static_cast<std::uint64_t>(int_of(u, "prompt_tokens")),
                  static_cast<std::uint64_t>(int_of(u, "completion_tokens")),
                  static_cast<std::uint64_t>(int_of(u, "total_tokens"))};
  if (out.total_tokens == 0) out.total_tokens = out.prompt_tokens + out.completion_tokens;
  return out;
}

bool has_non_null(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && !v->is_null();
}

// The one choice of a completion or chunk; null when there are several or it is not index 0.
const json::object* only_choice(const json::object& root, bool& several) {
  several = false;
  const auto* choices = root.if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().empty()) return nullptr;
  const auto& arr = choices->get_array();
  const auto* first = arr[0].if_object();
  several = arr.size() > 1 || !first || int_of(*first, "index") != 0;
  return several ? nullptr : first;
}

std::string usage_text(const token_usage& u) {
  return fmt::format(R"({{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{}}})", u.prompt_tokens,
                     u.completion_tokens, u.total_tokens);
}

std::string quoted(std::string_view s) { return json::serialize(json::string_view(s)); }

}  // namespace

std::optional<cached_answer> openai_answer_from_json(std::string_view body) {
  boost::system::error_code ec;
  unsigned char scratch[4096];  // the document lives here while it is read: no allocation per node
  json::monotonic_resource memory(scratch, sizeof scratch);
  const auto root = json::parse(body, ec, &memory);
  if (ec || !root.is_object()) return std::nullopt;
  const auto& o = root.get_object();
  bool several = false;
  const auto* choice = only_choice(o, several);
  if (!choice) return std::nullopt;
  const auto* message = choice->if_contains("message");
  if (!message || !message->is_object()) return std::nullopt;
  const auto& m = message->get_object();
  if (has_non_null(m, "tool_calls") || has_non_null(m, "function_call")) return std::nullopt;
  const auto* content = m.if_contains("content");
  if (!content || !content->is_string()) return std::nullopt;
  cached_answer a;
  a.answer = std::string(content->get_string());
  a.reasoning = string_of(m, "reasoning");  // a gpt-oss model's, on Groq
  a.model = string_of(o, "model");
  a.finish_reason = string_of(*choice, "finish_reason");
  a.usage = usage_of(o);
  a.id = string_of(o, "id");
  a.created = int_of(o, "created");
  a.hit_body = std::string(body);
  return a;
}

bool openai_stream_collector::add(std::string_view chunk_data) {
  if (!replayable_) return false;
  unsigned char scratch[4096];  // chunks are small: parse without heap allocations
  json::monotonic_resource mr(scratch, sizeof(scratch));
  boost::system::error_code ec;
  const auto root = json::parse(chunk_data, ec, &mr);
  if (ec || !root.is_object() || root.get_object().contains("error")) return replayable_ = false;
  const auto& o = root.get_object();
  if (answer_.id.empty()) answer_.id = string_of(o, "id");
  if (answer_.created == 0) answer_.created = int_of(o, "created");
  if (auto model = string_of(o, "model"); !model.empty()) answer_.model = std::move(model);
  if (auto usage = usage_of(o)) answer_.usage = usage;
  bool several = false;
  const auto* choice = only_choice(o, several);
  if (several) return replayable_ = false;
  if (!choice) return true;  // the usage chunk: no choices
  if (const auto* delta = choice->if_contains("delta"); delta && delta->is_object()) {
    const auto& d = delta->get_object();
    if (has_non_null(d, "tool_calls") || has_non_null(d, "function_call")) return replayable_ = false;
    if (const auto* c = d.if_contains("content"); c && c->is_string()) answer_.answer += c->get_string();
    if (const auto* r = d.if_contains("reasoning"); r && r->is_string()) answer_.reasoning += r->get_string();
  }
  if (const auto* fr = choice->if_contains("finish_reason"); fr && fr->is_string())
    answer_.finish_reason = std::string(fr->get_string());
  return true;
}

std::optional<cached_answer> openai_stream_collector::finish() && {
  if (!replayable_ || answer_.finish_reason.empty()) return std::nullopt;
  return std::move(answer_);
}

std::string openai_json_body(const cached_answer& a) {
  if (!a.hit_body.empty()) return a.hit_body;
  // message.reasoning after the content, where Groq puts it; absent when the model did not reason.
  const auto reasoning = a.reasoning.empty() ? std::string() : ",\"reasoning\":" + quoted(a.reasoning);
  auto out = fmt::format(
      R"({{"id":{},"object":"chat.completion","created":{},"model":{},"choices":[{{"index":0,)"
      R"("message":{{"role":"assistant","content":{}{}}},"logprobs":null,"finish_reason":{}}}])",
      quoted(a.id), a.created, quoted(a.model), quoted(a.answer), reasoning, quoted(a.finish_reason));
  if (a.usage) out += ",\"usage\":" + usage_text(*a.usage);
  out += '}';
  return out;
}

std::string openai_stream_replay(const cached_answer& a, bool include_usage) {
  // Every chunk starts alike: built once.
  const auto head = fmt::format(R"(data: {{"id":{},"object":"chat.completion.chunk","created":{},"model":{},)",
                                quoted(a.id), a.created, quoted(a.model));
  std::string out;
  out.reserve((a.answer.size() + a.reasoning.size()) * 2 + 512);
  const auto choice = [&](std::string_view delta, std::string_view finish_reason) {
    out += head;
    out += R"("choices":[{"index":0,"delta":)";
    out += delta;
    out += R"(,"logprobs":null,"finish_reason":)";
    out += finish_reason;
    out += "}]";
  };
  // Text as deltas of one field, in pieces of at most ~64 bytes cut between UTF-8 characters.
  const auto deltas = [&](std::string_view field, std::string_view text) {
    while (!text.empty()) {
      const auto cut = utf8_piece(text, 64);
      choice(fmt::format(R"({{"{}":{}}})", field, quoted(text.substr(0, cut))), "null");
      out += "}\n\n";
      text.remove_prefix(cut);
    }
  };
  choice(R"({"role":"assistant","content":""})", "null");
  out += "}\n\n";
  deltas("reasoning", a.reasoning);  // before the content, as a reasoning model streams it
  deltas("content", a.answer);
  choice("{}", quoted(a.finish_reason));
  if (a.usage) out += R"(,"x_groq":{"usage":)" + usage_text(*a.usage) + "}";
  out += "}\n\n";
  if (include_usage && a.usage) {
    out += head;
    out += R"("choices":[],"usage":)" + usage_text(*a.usage) + "}\n\n";
  }
  out += "data: [DONE]\n\n";
  return out;
}

}  // namespace gateway
