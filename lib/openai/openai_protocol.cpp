#include "openai/openai_protocol.hpp"

#include "pii/pii_mapping.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace gateway {
namespace json = boost::json;

namespace {
openai_error invalid(std::string code, std::string message, std::string param = {}) {
  return {400, "invalid_request_error", std::move(code), std::move(message), std::move(param)};
}

// Canonical JSON: object members sorted by key, recursively; scalars as Boost.JSON serializes them.
void canonical(const json::value& v, std::string& out) {
  if (const auto* o = v.if_object()) {
    std::vector<const json::key_value_pair*> members;
    members.reserve(o->size());
    for (const auto& kv : *o) members.push_back(&kv);
    std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
    out += '{';
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i) out += ',';
      out += json::serialize(json::string_view(members[i]->key()));
      out += ':';
      canonical(members[i]->value(), out);
    }
    out += '}';
  } else if (const auto* a = v.if_array()) {
    out += '[';
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (i) out += ',';
      canonical((*a)[i], out);
    }
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

bool is_cacheable(const json::object& obj) {
  if (const auto* n = obj.if_contains("n"); n && !n->is_null()) {
    const auto* i = n->if_int64();
    if (!i || *i != 1) return false;
  }
  for (const auto* field : {"tools", "functions"})
    if (const auto* t = obj.if_contains(field); t && !t->is_null()) return false;
  if (const auto* lp = obj.if_contains("logprobs"); lp && lp->is_bool() && lp->get_bool()) return false;
  return true;
}

// Every text a client wrote in `messages`: a string content, or the text of a part of type text.
template <class F>
void each_text(json::array& messages, F&& f) {
  for (auto& m : messages) {
    auto* o = m.if_object();
    auto* content = o ? o->if_contains("content") : nullptr;
    if (!content) continue;
    if (auto* text = content->if_string()) {
      f(*text);
    } else if (auto* parts = content->if_array()) {
      for (auto& part : *parts) {
        auto* po = part.if_object();
        auto* text = po ? po->if_contains("text") : nullptr;
        const auto* type = po ? po->if_contains("type") : nullptr;
        if (text && text->is_string() &&
            (!type || (type->is_string() && type->get_string() == "text")))
          f(text->get_string());
      }
    }
  }
}

// PII_PROTECTION: the messages' personal data replaced in place, and the model told to keep the
// placeholders (a system message first). Null when there was none.
std::shared_ptr<const pii_mapping> protect(json::array& messages, const pii_settings& settings) {
  pii_mapping mapping;
  each_text(messages, [&](json::string& s) { mapping.reserve(s); });
  each_text(messages, [&](json::string& s) {
    if (auto out = mapping.pseudonymise(s, settings.kinds)) s = *out;
  });
  if (mapping.empty()) return nullptr;
  messages.insert(messages.begin(), json::object({{"role", "system"}, {"content", pii_instruction}},
                                                 messages.storage()));
  return std::make_shared<const pii_mapping>(std::move(mapping));
}
}  // namespace

std::variant<openai_request, openai_error> parse_openai_request(std::string_view body,
                                                                std::string_view default_model,
                                                                bool want_cache_input,
                                                                const pii_settings* pii) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 64;
  // The document lives in this frame's buffer while it is read (what is kept is copied out): a
  // typical request allocates nothing for it (it took ten allocations and their frees).
  unsigned char scratch[4096];
  json::monotonic_resource memory(scratch, sizeof scratch);
  auto v = json::parse(body, ec, &memory, opts);
  if (ec) return invalid("invalid_json", "the body is not valid JSON: " + ec.message());
  auto* obj = v.if_object();
  if (!obj) return invalid("invalid_json", "the body must be a JSON object");

  const auto* messages = obj->if_contains("messages");
  if (!messages || !messages->is_array() || messages->get_array().empty())
    return invalid("invalid_request", "'messages' must be a non-empty array", "messages");

  openai_request out;
  if (const auto* s = obj->if_contains("stream"); s && !s->is_null()) {
    if (!s->is_bool()) return invalid("invalid_request", "'stream' must be a boolean", "stream");
    out.stream = s->get_bool();
  }
  if (const auto* so = obj->if_contains("stream_options"); so && so->is_object())
    if (const auto* iu = so->get_object().if_contains("include_usage"); iu && iu->is_bool())
      out.include_usage = iu->get_bool();
  bool model_missing = true;
  if (const auto* m = obj->if_contains("model"); m && !m->is_null()) {
    model_missing = false;
    if (!m->is_string() || m->get_string().empty())
      return invalid("invalid_request", "'model' must be a non-empty string", "model");
    const std::string_view model = m->get_string();
    if (model.size() > max_model_bytes)
      return invalid("invalid_model", fmt::format("'model' is longer than {} bytes", max_model_bytes), "model");
    if (std::any_of(model.begin(), model.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
      return invalid("invalid_model", "'model' contains a control character", "model");
    out.model = std::string(model);
  } else {
    out.model = std::string(default_model);
    (*obj)["model"] = out.model;
  }
  if (pii && pii->active()) out.pii = protect((*obj)["messages"].get_array(), *pii);
  // Byte for byte what the client sent, unless a default or a placeholder went in.
  if (out.pii || model_missing)
    out.body = json::serialize(v);
  else
    out.body = std::string(body);
  out.cacheable = is_cacheable(*obj);
  if (out.cacheable && want_cache_input) {
    obj->erase("stream");
    obj->erase("stream_options");
    out.cache_input.reserve(body.size());
    canonical(v, out.cache_input);
  }
  return out;
}

std::string openai_error_body(const openai_error& e) {
  json::object err{{"message", e.message}, {"type", e.type}, {"code", e.code}};
  if (e.param.empty())
    err["param"] = nullptr;
  else
    err["param"] = e.param;
  return json::serialize(json::object{{"error", std::move(err)}});
}

openai_error openai_error_for(error cause, std::string message) {
  const auto pub = to_public(cause);
  const char* type = "api_error";
  switch (cause) {
    case error::invalid_json:
    case error::invalid_request:
    case error::payload_too_large:
    case error::unsupported_media_type:
    case error::bad_http_request: type = "invalid_request_error"; break;
    case error::rate_limited: type = "rate_limit_error"; break;
    case error::unauthorized: type = "authentication_error"; break;
    case error::not_found: type = "not_found_error"; break;
    default: break;
  }
  openai_error out;
  out.status = pub.status;
  out.type = type;
  out.code = pub.code;
  out.message = std::move(message);
  return out;
}

}  // namespace gateway
