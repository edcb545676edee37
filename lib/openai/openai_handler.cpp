#include "openai/openai_handler.hpp"

#include "cache/cache_key.hpp"
#include "chat/chat_reply.hpp"
#include "chat/chat_request.hpp"
#include "http/client_io.hpp"
#include "http/sse_keepalive.hpp"
#include "metrics/metrics.hpp"
#include "openai/openai_answer.hpp"
#include "openai/openai_protocol.hpp"
#include "sse/sse_parser.hpp"
#include "upstream/completion.hpp"

#include <boost/asio/this_coro.hpp>

// The same GCC 12 false positive as in chat_handler.cpp (-Wmismatched-new-delete on coroutine
// frames allocated by Asio's recycling allocator).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace gateway {
namespace beast = boost::beast;

namespace {
constexpr std::size_t max_completion_body = 4 << 20;
constexpr auto models_ttl = std::chrono::minutes(1);

// Whether an event's data is an {"error": ...} object - checked on the first bytes only, so a relayed
// chunk is never parsed.
bool is_error_payload(std::string_view data) {
  auto skip = [&] {
    while (!data.empty() && (data.front() == ' ' || data.front() == '\t' || data.front() == '\n' || data.front() == '\r'))
      data.remove_prefix(1);
  };
  skip();
  if (!data.starts_with('{')) return false;
  data.remove_prefix(1);
  skip();
  return data.starts_with("\"error\"");
}

error as_error(const std::error_code& ec) {
  return ec.category() == gateway_category() ? static_cast<error>(ec.value()) : error::upstream_closed;
}

std::string sse_data(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 8);
  out += "data: ";
  out += data;
  out += "\n\n";
  return out;
}

// The cache keys of this endpoint; bump the version when the replay format changes.
constexpr std::string_view key_domain = "openai-chat-completions-v1";

unsigned stream_format(bool stream, bool include_usage) {
  if (!stream) return piece_format::none;
  return include_usage ? piece_format::openai_chunks_usage : piece_format::openai_chunks;
}
}  // namespace

struct openai_handler::call {
  call(beast::tcp_stream& cl, const request_t& r, std::string_view i, net::any_io_executor s,
       clock_type::time_point now, std::chrono::milliseconds timeout, request_report& rep, gateway_metrics* m)
      : client(cl), req(r), id(i), strand(s), wd(std::move(s)), deadlines{now + timeout}, started(now), report(rep),
        metrics(m) {}
  ~call() {
    *alive = false;
    if (stream_open && metrics) metrics->stream_closed();
    if (key) report.cache = x_cache;
    report.added = gateway_share(started, upstream_called, upstream_finished, clock_type::now());
  }

  beast::tcp_stream& client;
  const request_t& req;
  std::string_view id;
  net::any_io_executor strand;
  watchdog wd;
  request_deadlines deadlines;
  clock_type::time_point started;
  std::shared_ptr<bool> watching = std::make_shared<bool>(false);
  std::unique_ptr<upstream_exchange> exchange;
  std::string retry_after;
  bool chunked = true;
  sse_keepalive* keepalive = nullptr;
  request_report& report;  // the router's: what the access log and metrics need
  gateway_metrics* metrics;
  bool stream_open = false;
  std::optional<clock_type::time_point> upstream_called, upstream_finished;
  // What the client asked for.
  bool stream = false;
  bool include_usage = false;
  // Response cache and coalescing (as in chat_handler): the key when cacheable, the X-Cache value,
  // the flight this request leads, and whether its client left while followers still read it.
  std::optional<cache_key> key;
  const char* x_cache = "BYPASS";
  lead_guard lead;
  bool client_lost = false;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);  // false once over (posted handlers)
};

openai_handler::openai_handler(const gateway_config& cfg, upstream_caller& upstream, response_cache* cache,
                               flight_registry& flights, active_requests& active, logger log,
                               gateway_metrics* metrics)
    : cfg_(cfg), upstream_(upstream), cache_(cache), flights_(flights), active_(active), log_(std::move(log)),
      metrics_(metrics),
      completions_target_(cfg.upstream.target("/chat/completions")), models_target_(cfg.upstream.target("/models")) {}

net::awaitable<bool> openai_handler::completions(beast::tcp_stream& client, const request_t& req,
                                                 std::string_view id, request_report& report) {
  const auto strand = co_await net::this_coro::executor;
  call c(client, req, id, strand, clock_type::now(), cfg_.request_timeout, report, metrics_);
  const auto registration = active_.add(strand, c.alive, &c.wd);  // a shutdown can end it

  const auto content_type = req[http::field::content_type];
  if (!beast::iequals(trim_space(content_type.substr(0, content_type.find(';'))), "application/json"))
    co_return co_await reply_error(c, error::unsupported_media_type, "Content-Type must be application/json");
  auto parsed = parse_openai_request(req.body(), cfg_.model, cache_ != nullptr);
  if (auto* bad = std::get_if<openai_error>(&parsed)) {
    report.status = bad->status;
    auto res = make_json_response(bad->status, openai_error_body(*bad), req.keep_alive(), req.version());
    res.set("x-request-id", id);
    log_.info("{} POST /v1/chat/completions {} {}", id, bad->status, bad->message);
    const auto ec = co_await write_with_deadline(client, res, cfg_.client_write_timeout);
    co_return !ec && req.keep_alive();
  }
  auto& r = std::get<openai_request>(parsed);
  c.stream = r.stream;
  c.include_usage = r.include_usage;

  if (cache_ && r.cacheable) {
    c.key = make_request_key(key_domain, r.cache_input);
    // A bypass asks for a fresh answer: it neither reads the cache nor joins a flight (but stores).
    if (!asks_fresh_answer(req)) {
      admission_request ask{*c.key, stream_format(r.stream, r.include_usage), strand, c.alive, c.wd};
      // An entry without usage cannot end a stream that asked for a usage chunk: a miss.
      if (r.include_usage) ask.usable = [](const cached_answer& a) { return a.usage.has_value(); };
      auto route = admit(*cache_, flights_, ask, c.lead);
      c.x_cache = route.x_cache;
      if (route.hit) co_return co_await reply_cached(c, *route.hit);
      if (route.follow) co_return co_await follow(c, std::move(*route.follow), *route.wake);
    }
  }

  watch_client(client, c.watching, strand, [&c] {
    if (c.lead && c.lead.f->leader_gone())
      c.client_lost = true;  // followers still read this answer: let the upstream go on
    else
      c.wd.trigger(error::client_gone);
  });
  c.upstream_called = clock_type::now();
  auto outcome = co_await upstream_.call(completions_target_, std::move(r.body), c.wd, c.deadlines, id);
  report.attempts = outcome.attempts;
  report.upstream_first_byte = outcome.first_byte;
  if (!outcome.exchange) {
    stop_watching(client, c.watching);
    auto& f = *outcome.failure;
    c.retry_after = std::move(f.retry_after);
    co_return co_await reply_error(c, f.code, std::move(f.message), outcome.upstream_status);
  }
  c.exchange = std::move(outcome.exchange);
  if (r.stream) co_return co_await relay_stream(c);
  co_return co_await reply_json(c);
}

net::awaitable<bool> openai_handler::reply_json(call& c) {
  std::error_code ec;
  auto body = co_await c.exchange->read_all(max_completion_body, ec);
  c.upstream_finished = clock_type::now();
  stop_watching(c.client, c.watching);
  if (ec) co_return co_await reply_error(c, as_error(ec), {});
  c.exchange.reset();  // back to the pool before the client write
  if (c.key) settle(c, openai_answer_from_json(body));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - c.started).count();
  if (c.client_lost) {
    log_.info("{} POST /v1/chat/completions json: client went away; answer delivered to coalesced requests", c.id);
    co_return false;
  }
  const bool keep = co_await send_json(c, std::move(body));  // byte for byte
  log_.info("{} POST /v1/chat/completions 200 json {} ms", c.id, ms);
  co_return keep;
}

net::awaitable<bool> openai_handler::send_json(call& c, std::string body) {
  auto res = make_json_response(200, std::move(body), c.req.keep_alive(), c.req.version());
  res.set("x-request-id", c.id);
  if (c.key) res.set("x-cache", c.x_cache);
  c.report.status = 200;
  const auto ec = co_await write_with_deadline(c.client, res, cfg_.client_write_timeout);
  c.report.bytes += res.body().size();
  co_return !ec && c.req.keep_alive();
}

net::awaitable<bool> openai_handler::start_stream(call& c) {
  auto head = sse_head(c.req.version(), c.req.keep_alive());
  head.set("x-request-id", c.id);
  if (c.key) head.set("x-cache", c.x_cache);
  c.chunked = head.chunked();
  c.report.status = 200;
  if (c.metrics && !c.stream_open) {
    c.stream_open = true;
    c.metrics->stream_opened();
  }
  co_return co_await write_sse_head(c.client, head, cfg_.client_write_timeout);
}

net::awaitable<bool> openai_handler::relay_stream(call& c) {
  if (!co_await start_stream(c)) {
    // Nothing reached anyone yet: go on only when followers wait for this answer.
    if (!(c.lead && c.lead.f->leader_gone())) {
      stop_watching(c.client, c.watching);
      co_return false;
    }
    c.client_lost = true;
  }
  sse_keepalive keepalive(c.client, c.strand, c.chunked, cfg_.sse_keepalive_interval, cfg_.client_write_timeout);
  if (!c.client_lost) {
    keepalive.start();
    c.keepalive = &keepalive;
  }

  sse_parser parser;
  openai_stream_collector collector;  // only fed when the answer may be cached or shared
  std::string out;
  bool saw_done = false, client_gone = false;
  std::optional<error> failure;
  std::string failure_event;  // the upstream's own error event, passed on as it came
  std::string failure_message;
  std::size_t chunks = 0;
  while (!failure && !saw_done && !c.exchange->done()) {
    std::error_code ec;
    const auto piece = co_await c.exchange->read_some(ec);
    if (ec) {
      failure = as_error(ec);
      break;
    }
    if (!parser.feed(piece)) {
      failure = error::upstream_protocol_error;
      failure_message = "upstream stream event too large";
      break;
    }
    out.clear();
    while (auto event = parser.next()) {
      if (event->data == "[DONE]") {
        saw_done = true;
        break;
      }
      // The upstream's own error, as an event type or an {"error": ...} payload: passed on as
      // `data: {"error": ...}` (what the SDKs turn into an exception) and the stream ends.
      if (event->type == "error" || is_error_payload(event->data)) {
        failure = error::upstream_error_event;
        if (is_error_payload(event->data)) {
          failure_event = sse_data(event->data);
          failure_message = upstream_error_message(event->data);
        }
        break;
      }
      out += sse_data(event->data);  // the upstream's chunk, unchanged
      if (c.key) collector.add(event->data);
      ++chunks;
    }
    if (out.empty()) continue;
    // Followers get the same bytes by pointer: one copy of the stream however many read it.
    auto shared = c.lead ? std::make_shared<const std::string>(std::move(out)) : nullptr;
    if (shared) c.lead.f->publish(shared);
    if (c.client_lost) continue;
    if (co_await send(c, shared ? *shared : out)) {
      if (c.lead && c.lead.f->leader_gone()) {
        c.client_lost = true;  // followers still read this answer: the upstream goes on for them
        stop_watching(c.client, c.watching);
        continue;
      }
      client_gone = true;
      break;
    }
  }
  c.upstream_finished = clock_type::now();
  if (!failure && !saw_done && !client_gone) {
    failure = error::upstream_closed;
    failure_message = "upstream stream ended before the answer was complete";
  }
  co_await keepalive.finish();  // before stop_watching: its cancel would cut a comment write in half
  c.keepalive = nullptr;
  stop_watching(c.client, c.watching);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - c.started).count();
  if (client_gone || failure == error::client_gone) {
    log_.info("{} POST /v1/chat/completions stream cut: client gone after {} chunks, {} ms", c.id, chunks, ms);
    if (c.lead) c.lead.f->fail({error::client_gone, "the client went away", {}});
    co_return false;
  }
  if (failure) {
    if (failure_message.empty()) failure_message = make_error_code(*failure).message();
    failure_message = redact_secret(failure_message, upstream_.client().settings().api_key);
    log_.warn("{} POST /v1/chat/completions stream failed: {} ({}) after {} chunks, {} ms", c.id,
              make_error_code(*failure).message(), failure_message, chunks, ms);
    if (c.lead) c.lead.f->fail({*failure, failure_message, {}});
    if (failure_event.empty()) failure_event = sse_data(openai_error_body(openai_error_for(*failure, failure_message)));
    out = std::move(failure_event);
  } else {
    c.exchange.reset();  // complete: back to the pool
    if (c.key) settle(c, std::move(collector).finish());
    out = std::string(sse_done_marker);
    log_.info("{} POST /v1/chat/completions 200 stream {} chunks {} ms", c.id, chunks, ms);
  }
  if (c.client_lost) co_return false;
  if (co_await send(c, out)) co_return false;
  co_return co_await end_sse(c.client, c.chunked, c.req.keep_alive(), cfg_.client_write_timeout);
}

void openai_handler::settle(call& c, std::optional<cached_answer> answer) {
  if (!answer) {
    // Only plain text answers are replayable; a cacheable request should never get anything else.
    if (c.lead) c.lead.f->fail({error::upstream_protocol_error, "the upstream's answer cannot be shared", {}});
    log_.warn("{} POST /v1/chat/completions: the answer is not replayable; not cached", c.id);
    return;
  }
  auto shared = std::make_shared<const cached_answer>(std::move(*answer));
  // Only complete answers are cached (as on /chat); the store comes before the followers are told,
  // so a request that misses the flight finds the answer in the cache.
  if (cache_ && c.key && (shared->finish_reason == "stop" || shared->finish_reason == "length")) {
    auto entry = *shared;
    if (entry.hit_body.empty()) entry.hit_body = openai_json_body(entry);
    cache_->store(*c.key, std::move(entry));
  }
  if (c.lead) c.lead.f->succeed(std::move(shared));
}

net::awaitable<bool> openai_handler::reply_cached(call& c, const cached_answer& hit) {
  const auto us = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - c.started).count();
  };
  if (!c.stream) {
    auto body = openai_json_body(hit);
    const bool keep = co_await send_json(c, std::move(body));
    log_.info("{} POST /v1/chat/completions 200 json cache hit {} us", c.id, us());
    co_return keep;
  }
  if (!co_await start_stream(c)) co_return false;
  const auto out = openai_stream_replay(hit, c.include_usage);  // the whole answer in one write
  if (co_await send(c, out)) co_return false;
  log_.info("{} POST /v1/chat/completions 200 stream cache hit {} us", c.id, us());
  co_return co_await end_sse(c.client, c.chunked, c.req.keep_alive(), cfg_.client_write_timeout);
}

net::awaitable<bool> openai_handler::follow(call& c, flight_registry::ticket ticket, net::steady_timer& wake) {
  // The leader's chunks fit only a follower asking for the same stream format; others get the
  // final answer replayed.
  const unsigned format = stream_format(c.stream, c.include_usage);
  const bool pieces = format != piece_format::none && ticket.f->format() == format;
  const follow_io io{c.client, c.strand, c.chunked, cfg_.client_write_timeout, cfg_.sse_keepalive_interval,
                     c.deadlines.request};
  // Built in its own statement: GCC 12 mishandles temporaries inside a co_await full-expression.
  std::function<net::awaitable<bool>()> start = [this, &c] { return start_stream(c); };
  auto result = co_await follow_flight(io, std::move(ticket), wake, pieces, std::move(start));
  c.report.bytes += result.bytes;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - c.started).count();
  if (result.gone) {
    log_.info("{} POST /v1/chat/completions coalesced: client went away after {} us", c.id, us);
    co_return false;
  }
  if (result.last.answer) {
    const auto& a = *result.last.answer;
    if (!c.stream) {
      auto body = openai_json_body(a);
      const bool keep = co_await send_json(c, std::move(body));
      log_.info("{} POST /v1/chat/completions 200 json coalesced {} us", c.id, us);
      co_return keep;
    }
    if (!result.started) {
      if (!co_await start_stream(c)) co_return false;
    }
    std::string out;
    if (pieces)
      out = std::string(sse_done_marker);  // every chunk came with the leader's pieces
    else
      out = openai_stream_replay(a, c.include_usage);
    if (co_await send(c, out)) co_return false;
    log_.info("{} POST /v1/chat/completions 200 stream coalesced {} us", c.id, us);
    co_return co_await end_sse(c.client, c.chunked, c.req.keep_alive(), cfg_.client_write_timeout);
  }

  auto failure = result.last.failure.value_or(
      flight_failure{error::request_timeout, default_error_message(error::request_timeout, cfg_), {}});
  if (!result.started) {
    c.retry_after = std::move(failure.retry_after);
    co_return co_await reply_error(c, failure.code, std::move(failure.message), failure.upstream_status);
  }
  log_.warn("{} POST /v1/chat/completions 200 stream coalesced, failed: {}", c.id, failure.message);
  const auto event = sse_data(openai_error_body(openai_error_for(failure.code, failure.message)));
  if (co_await send(c, event)) co_return false;
  co_return co_await end_sse(c.client, c.chunked, c.req.keep_alive(), cfg_.client_write_timeout);
}

net::awaitable<boost::system::error_code> openai_handler::send(call& c, const std::string& bytes) {
  const std::vector<net::const_buffer> buffers{net::buffer(bytes)};
  const auto ec = co_await write_sse(c.client, c.chunked, buffers, cfg_.client_write_timeout, c.keepalive);
  if (!ec) c.report.bytes += bytes.size();
  co_return ec;
}

net::awaitable<bool> openai_handler::reply_error(call& c, error cause, std::string message, unsigned upstream_status) {
  if (cause == error::client_gone) {
    if (c.lead) c.lead.f->fail({cause, "the client went away", {}});
    co_return false;
  }
  if (message.empty()) message = default_error_message(cause, cfg_);
  // Every follower of this request's flight gets the same error.
  if (c.lead) c.lead.f->fail({cause, message, c.retry_after, upstream_status});
  auto e = openai_error_for(cause, std::move(message));
  // The upstream refused the request itself (unknown model, bad parameter): the client sees the
  // upstream's own status, as it would calling Groq directly. 401/403 are the gateway's key: 502.
  if (cause == error::upstream_rejected && upstream_status >= 400 && upstream_status < 500) {
    e.status = upstream_status;
    e.type = "invalid_request_error";
  }
  auto res = make_json_response(e.status, openai_error_body(e), c.req.keep_alive(), c.req.version());
  res.set("x-request-id", c.id);
  if (c.key) res.set("x-cache", c.x_cache);
  c.report.status = e.status;
  if (!c.retry_after.empty()) res.set(http::field::retry_after, c.retry_after);
  log_.log(e.status >= 500 ? log_level::warn : log_level::info, "{} POST /v1/chat/completions {} {}: {}", c.id,
           e.status, e.code, e.message);
  if (c.client_lost) co_return false;
  const auto ec = co_await write_with_deadline(c.client, res, cfg_.client_write_timeout);
  co_return !ec && c.req.keep_alive();
}

net::awaitable<bool> openai_handler::models(beast::tcp_stream& client, const request_t& req, std::string_view id,
                                            request_report& report) {
  std::string body;
  {
    std::lock_guard lock(models_mutex_);
    if (clock_type::now() < models_expire_) body = models_body_;
  }
  if (body.empty()) {
    const auto strand = co_await net::this_coro::executor;
    call c(client, req, id, strand, clock_type::now(), cfg_.request_timeout, report, metrics_);
    auto outcome = co_await upstream_.call(models_target_, {}, c.wd, c.deadlines, id, http::verb::get);
    if (!outcome.exchange) {
      auto& f = *outcome.failure;
      c.retry_after = std::move(f.retry_after);
      co_return co_await reply_error(c, f.code, std::move(f.message), outcome.upstream_status);
    }
    std::error_code ec;
    body = co_await outcome.exchange->read_all(max_completion_body, ec);
    if (ec) co_return co_await reply_error(c, as_error(ec), {});
    std::lock_guard lock(models_mutex_);
    models_body_ = body;
    models_expire_ = clock_type::now() + models_ttl;
  }
  auto res = make_json_response(200, std::move(body), req.keep_alive(), req.version());
  res.set("x-request-id", id);
  report.status = 200;
  if (req.method() == http::verb::head) res.body().clear();
  const auto ec = co_await write_with_deadline(client, res, cfg_.client_write_timeout);
  co_return !ec && req.keep_alive();
}

}  // namespace gateway
