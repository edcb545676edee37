#include "chat/chat_handler.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "chat/chat_format.hpp"
#include "chat/chat_request.hpp"
#include "chat/upstream_body.hpp"
#include "http/serve.hpp"

namespace gateway {
namespace {
constexpr std::string_view label = "POST /chat";
}  // namespace

chat_handler::chat_handler(relay_pipeline& pipeline, const gateway_config& cfg)
    : pipeline_(pipeline), cfg_(cfg), keys_(cfg),
      canon_(cfg.cache_match_similar ? question_canon::builtin() : nullptr),
      target_(pipeline.upstream().upstream().chat_completions_target()) {}

net::awaitable<bool> chat_handler::handle(request_context& rc) {
  const chat_format refusal(false, false);  // the error shape, before the request is known
  if (!has_json_body(rc.req))
    co_return co_await pipeline_.reject(rc, refusal, label, error::unsupported_media_type,
                                        "Content-Type must be application/json");
  const request_limits limits{cfg_.max_question_chars};
  auto parsed = parse_chat_request(rc.req.body(), limits);
  if (auto* bad = std::get_if<request_error>(&parsed))
    co_return co_await pipeline_.reject(rc, refusal, label, bad->code, std::move(bad->message));
  const auto& chat = std::get<chat_request>(parsed);
  const bool stream = chat.stream && cfg_.stream_response;

  std::optional<cache_key> key;
  std::string question;  // normalized: how a hit tells an exact match from a similar one
  if (pipeline_.caching()) {
    question = normalize_(chat.question);
    const auto history = trimmed_history(chat.history, cfg_.history_limit);
    if (canon_) {
      // The history rule stays: a similar match only with the very same history.
      const auto form = (*canon_)(question);
      key = keys_(form.text, history, form.similar);
    } else {
      key = keys_(question, history);
    }
  }
  chat_format format(stream, key.has_value());
  relay_request r{label, format, stream, target_, {}, key,
                  // A bypass asks for a fresh answer: no lookup, no flight - but the answer is stored.
                  chat.cache && !asks_fresh_answer(rc.req),
                  // /chat always says how the cache took part, BYPASS with the cache off.
                  "BYPASS", canon_ ? std::string_view(question) : std::string_view()};
  // The upstream body (system prompt, history, sampling settings as JSON) only for a request that
  // goes upstream: on a cache hit it would be the largest cost of the request.
  struct body_inputs {
    const chat_request& chat;
    const gateway_config& cfg;
    bool stream;
  } inputs{chat, cfg_, stream};
  r.make_body = [&inputs] { return build_upstream_body(inputs.chat, inputs.cfg, inputs.stream); };
  co_return co_await pipeline_.serve(rc, r);
}

}  // namespace gateway
