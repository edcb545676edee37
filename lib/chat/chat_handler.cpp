#include "chat/chat_handler.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "chat/chat_format.hpp"
#include "chat/chat_request.hpp"
#include "chat/upstream_body.hpp"
#include "http/serve.hpp"
#include "pii/pii_mapping.hpp"

namespace gateway {
namespace {
constexpr std::string_view label = "POST /chat";

// A refusal in /chat's error shape, before the request is known. Rendered here, not in handle():
// its coroutine frame would hold the format through the reply's write.
error_reply refusal(error cause, std::string_view message) {
  return chat_format(false, false).error_response(cause, std::string(message), 0);
}
// PII_PROTECTION: the question and every history message with their personal data replaced,
// before anything else reads them (key, similar form, debug log, upstream body). Null when
// protection is off or the request holds none; no allocation then.
std::unique_ptr<pii_mapping> protect(chat_request& chat, const pii_settings& settings) {
  if (!settings.active()) return nullptr;
  pii_mapping mapping;
  for (const auto& m : chat.history) mapping.reserve(m.content);
  mapping.reserve(chat.question);
  for (auto& m : chat.history)
    if (auto out = mapping.pseudonymise(m.content, settings.kinds)) m.content = std::move(*out);
  if (auto out = mapping.pseudonymise(chat.question, settings.kinds))
    chat.question = std::move(*out);
  if (mapping.empty()) return nullptr;
  return std::make_unique<pii_mapping>(std::move(mapping));
}
// A recorded request's model call as the GenAI conventions describe it: /chat's settings are the
// configuration's.
void describe_request(request_spans& spans, const gateway_config& cfg) {
  const auto server = request_spans::server;
  spans.set(server, "gen_ai.operation.name", std::string("chat"));
  spans.set(server, "gen_ai.request.model", cfg.model);
  spans.set(server, "gen_ai.request.max_tokens", static_cast<std::int64_t>(cfg.max_new_tokens));
  spans.set(server, "gen_ai.request.temperature", cfg.temperature);
  spans.set(server, "gen_ai.request.top_p", cfg.top_p);
}
}  // namespace

chat_handler::chat_handler(relay_pipeline& pipeline, const gateway_config& cfg)
    : pipeline_(pipeline), cfg_(cfg), keys_(cfg), body_(cfg),
      canon_(cfg.cache_match_similar ? question_canon::builtin() : nullptr),
      target_(pipeline.provider().chat_completions_target()) {}

cache_key chat_handler::read_question(const chat_request& chat, std::string& normalized) const {
  const auto kept = trimmed_history(chat.history, cfg_.history_limit);
  // Not with debug logs on: they say for each request why its question shares an answer.
  const bool remember = kept.empty() && chat.question.size() <= question_memo::max_question &&
                        !pipeline_.log().enabled(log_level::debug);
  if (remember) {
    if (auto known = memo_.find(chat.question)) {
      normalized = std::move(known->normalized);
      return known->key;
    }
  }
  normalized = normalize_(chat.question);
  const auto key = key_for(normalized, kept);
  if (remember) memo_.put(chat.question, {normalized, key});
  return key;
}

cache_key chat_handler::key_for(const std::string& question, std::span<const chat_message> kept) const {
  if (!canon_) return keys_(question, kept);
  // The history rule stays: a similar match only with the very same history.
  const auto form = (*canon_)(question);
  if (pipeline_.log().enabled(log_level::debug)) {  // why this question shares an answer, for operators
    std::vector<std::string> rules;
    canon_->explain(question, rules);
    std::string fired;
    for (const auto& r : rules) {
      if (!fired.empty()) fired += "; ";
      fired += r;
    }
    pipeline_.log().debug("similar-question form '{}' ({}): {}", form.text, form.similar ? "similar" : "exact", fired);
  }
  return keys_(form.text, kept, form.similar);
}

// handle()'s coroutine frame keeps what lives across its one wait; the rest is in plain functions
// (refusal, key_for). A frame over 1,020 bytes is not recycled by Asio's per-thread cache: it went
// to malloc on every request and evicted a cached frame (benchmark 9).
asio::awaitable<bool> chat_handler::handle(request_context& rc) {
  if (!has_json_body(rc.req))
    co_return co_await pipeline_.reject(
        rc, label, error::unsupported_media_type,
        refusal(error::unsupported_media_type, "Content-Type must be application/json"));
  auto parsed = parse_chat_request(rc.req.body(), request_limits{cfg_.max_question_chars});
  if (auto* bad = std::get_if<request_error>(&parsed))
    co_return co_await pipeline_.reject(rc, label, bad->code, refusal(bad->code, bad->message));
  auto& chat = std::get<chat_request>(parsed);
  const auto pii = protect(chat, cfg_.pii);  // first: nothing below sees the client's values
  const bool stream = chat.stream && cfg_.stream_response;
  const bool caching = pipeline_.caching();
  if (rc.spans) describe_request(*rc.spans, cfg_);
  chat_format format(stream, caching);
  relay_request r{label, format, target_, {}, std::nullopt,
                  // A bypass asks for a fresh answer: no lookup, no flight - but the answer is stored.
                  chat.cache && !asks_fresh_answer(rc.req), stream,
                  // /chat always says how the cache took part, BYPASS with the cache off.
                  "BYPASS"};
  r.pii = pii.get();
  // Normalized: how a hit tells an exact match from a similar one.
  std::string question;
  if (caching) {
    r.key = read_question(chat, question);
    if (canon_) r.question = question;
  }
  // The upstream body (system prompt, history, sampling settings as JSON) only for a request that
  // goes upstream: on a cache hit it would be the largest cost of the request.
  // Small: handle()'s frame is at Asio's recycling limit (the configuration is the handler's).
  struct body_inputs {
    const chat_request& chat;
    bool stream;
    bool placeholders;
  } inputs{chat, stream, pii != nullptr};
  r.make_body = [this, &inputs] {
    return body_(inputs.chat, inputs.stream, inputs.placeholders);
  };
  co_return co_await pipeline_.serve(rc, r);
}

}  // namespace gateway
