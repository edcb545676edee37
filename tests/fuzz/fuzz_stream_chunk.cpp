// libFuzzer target: read_stream_chunk and parse_completion (one Boost.JSON basic_parser handler that
// builds no document) must read every input exactly as the DOM readings they replaced do:
// json::parse, then lookups - the same verdict (chunk or completion, or not) and the same fields.
// The references are kept here, and only here. Beneath both, the fast scan (completion/json_scan.hpp) may
// accept only what json::parse accepts.
#include "completion/json_scan.hpp"
#include "completion/completion.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {
namespace json = boost::json;
using gateway::completion;
using gateway::stream_chunk;
using gateway::token_usage;

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

std::optional<stream_chunk> reference(std::string_view data) {
  boost::system::error_code ec;
  json::value root = json::parse(data, ec);
  if (ec || !root.is_object()) return std::nullopt;
  const auto& o = root.get_object();
  stream_chunk out;
  if (const auto* err = o.if_contains("error")) {
    out.error_message = error_message_of(*err);
    return out;
  }
  out.model = string_or_empty(o.if_contains("model"));
  if (const auto* choices = o.if_contains("choices")) {
    if (!choices->is_array()) return std::nullopt;
    if (!choices->get_array().empty()) {
      const auto* first = choices->get_array()[0].if_object();
      if (!first) return std::nullopt;
      if (const auto* delta = first->if_contains("delta"); delta && delta->is_object())
        out.content = string_or_empty(delta->get_object().if_contains("content"));
      if (const auto* fr = first->if_contains("finish_reason"); fr && fr->is_string())
        out.finish_reason = std::string(fr->get_string());
    }
  }
  out.usage = read_usage(o.if_contains("usage"));
  if (!out.usage) {
    if (const auto* xg = o.if_contains("x_groq"); xg && xg->is_object())
      out.usage = read_usage(xg->get_object().if_contains("usage"));
  }
  return out;
}

std::optional<completion> reference_completion(std::string_view body) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
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

bool same(const std::optional<token_usage>& a, const std::optional<token_usage>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->prompt_tokens == b->prompt_tokens && a->completion_tokens == b->completion_tokens &&
                a->total_tokens == b->total_tokens);
}

struct any_handler {
  void push(bool) {}
  void pop() {}
  void on_member(std::string_view) {}
  void on_text(std::string_view) {}
  void on_count(std::uint64_t) {}
  void on_other() {}
};

void check_scan(std::string_view input) {
  any_handler h;
  if (gateway::json_scan(input, h) != gateway::json_scan_result::ok) return;
  boost::system::error_code ec;
  json::parse(input, ec);
  if (ec) std::abort();
}

void check_completion(std::string_view input) {
  const auto want = reference_completion(input);
  const auto got = gateway::parse_completion(input);
  if (got.has_value() != want.has_value()) std::abort();
  if (got && (got->content != want->content || got->model != want->model ||
              got->finish_reason != want->finish_reason || !same(got->usage, want->usage)))
    std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_scan(input);
  check_completion(input);
  const auto want = reference(input);
  stream_chunk got;
  // A chunk object that read something else before: nothing of that may show through.
  got.content = "previous";
  got.model = "previous";
  got.finish_reason = "previous";
  got.usage = token_usage{1, 2, 3};
  got.error_message = "previous";
  const bool ok = gateway::read_stream_chunk(input, got);
  if (ok != want.has_value()) std::abort();
  if (!ok) return 0;
  if (got.content != want->content || got.model != want->model || got.finish_reason != want->finish_reason ||
      got.error_message != want->error_message || !same(got.usage, want->usage))
    std::abort();
  return 0;
}
