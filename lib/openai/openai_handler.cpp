#include "openai/openai_handler.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "cache/cache_key.hpp"
#include "http/serve.hpp"
#include "net/watchdog.hpp"
#include "openai/openai_format.hpp"
#include "openai/openai_protocol.hpp"
#include "relay/error_text.hpp"

#include <boost/asio/this_coro.hpp>

namespace gateway {
namespace {

constexpr std::string_view label = "POST /v1/chat/completions";
constexpr std::size_t max_models_body = 4 << 20;
constexpr auto models_ttl = std::chrono::minutes(1);
// The cache keys of this endpoint; bump the version when the replay format changes. v2: entries keep
// a reasoning model's reasoning (v1's did not), so v1 entries in a shared Redis are never asked for.
constexpr std::string_view key_domain = "openai-chat-completions-v2";

// A refusal in this endpoint's error shape (`upstream_status`: the upstream's own, when it refused).
// Rendered here, not in completions() or models(): their coroutine frames would hold the format (and
// the answer it can collect) through the reply's write.
error_reply refusal(error cause, std::string_view message, unsigned upstream_status = 0) {
  return openai_format(false, false, false).error_response(cause, std::string(message), upstream_status);
}

}  // namespace

openai_handler::openai_handler(relay_pipeline& pipeline, const gateway_config& cfg, logger log)
    : pipeline_(pipeline), cfg_(cfg), log_(std::move(log)),
      completions_target_(pipeline.provider().chat_completions_target()),
      models_target_(pipeline.provider().models_target()) {}

// completions()' coroutine frame keeps what lives across its one wait; refusals are written by
// refuse(). A frame over 1,020 bytes is not recycled by Asio's per-thread cache: it went to
// malloc on every request and evicted a cached frame (benchmark 9).
asio::awaitable<bool> openai_handler::completions(request_context& rc) {
  if (!has_json_body(rc.req))
    co_return co_await pipeline_.reject(
        rc, label, error::unsupported_media_type,
        refusal(error::unsupported_media_type, "Content-Type must be application/json"));
  // With PII_PROTECTION, the messages' personal data is replaced here, before the key and the body.
  auto parsed = parse_openai_request(rc.req.body(), cfg_.model, pipeline_.caching(), &cfg_.pii);
  if (auto* bad = std::get_if<openai_error>(&parsed)) co_return co_await refuse(rc, *bad);
  auto& req = std::get<openai_request>(parsed);

  const bool caching = pipeline_.caching() && req.cacheable;
  openai_format format(req.stream, req.include_usage, caching);
  relay_request r{label, format, completions_target_, std::move(req.body), std::nullopt,
                  // A bypass asks for a fresh answer: no lookup, no flight - but the answer is stored.
                  !asks_fresh_answer(rc.req), req.stream,
                  // Requests that are never cached carry no X-Cache at all.
                  caching ? "BYPASS" : ""};
  if (caching) r.key = make_request_key(key_domain, req.cache_input);
  r.pii = req.pii.get();
  r.model = req.model;  // a client that names a model other than MODEL gets that model, on any key
  co_return co_await pipeline_.serve(rc, r);
}

asio::awaitable<bool> openai_handler::refuse(request_context& rc, const openai_error& bad) {
  log_.info("{} {} {} {}", rc.id, label, bad.status, bad.message);
  co_return co_await send_reply(rc, bad.status, openai_error_body(bad), cfg_.client_write_timeout);
}

asio::awaitable<bool> openai_handler::models(request_context& rc) {
  std::string body;
  {
    std::lock_guard lock(models_mutex_);
    if (clock_type::now() < models_expire_) body = models_body_;
  }
  if (body.empty()) {
    auto got = co_await pipeline_.fetch(rc, models_target_, max_models_body);
    if (auto& failure = got.failure) {
      if (failure->message.empty()) failure->message = default_error_message(failure->code, cfg_);
      auto reply = refusal(failure->code, failure->message, got.upstream_status);
      log_.log(reply.status >= 500 ? log_level::warn : log_level::info, "{} GET /v1/models {} {}", rc.id,
               reply.status, failure->message);
      reply_headers headers;  // a statement of its own: GCC 12 and braced lists inside co_await
      headers.retry_after = failure->retry_after;
      co_return co_await send_reply(rc, reply.status, std::move(reply.body), cfg_.client_write_timeout, headers);
    }
    body = std::move(got.body);
    std::lock_guard lock(models_mutex_);
    models_body_ = body;
    models_expire_ = clock_type::now() + models_ttl;
  }
  co_return co_await send_reply(rc, 200, std::move(body), cfg_.client_write_timeout);
}

}  // namespace gateway
