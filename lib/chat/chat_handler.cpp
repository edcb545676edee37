#include "chat/chat_handler.hpp"

#include "cache/cache_key.hpp"
#include "cache/single_flight.hpp"
#include "chat/chat_reply.hpp"
#include "chat/chat_request.hpp"
#include "chat/upstream_body.hpp"
#include "http/client_io.hpp"
#include "http/sse_keepalive.hpp"
#include "metrics/metrics.hpp"
#include "sse/sse_parser.hpp"
#include "upstream/completion.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

// GCC 12 false positive: after inlining Asio's recycling allocator into a coroutine frame's
// destruction it pairs the frame's operator new with the allocator's free() (the two do match:
// aligned_alloc/free). Known GCC issue with coroutine frames; nothing here allocates by hand.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace gateway {
namespace beast = boost::beast;
namespace {

constexpr std::size_t max_completion_body = 4 << 20;

}  // namespace

// Everything one /chat request needs while it is served. Lives in handle()'s coroutine frame.
struct chat_handler::call {
  call(beast::tcp_stream& cl, const request_t& r, std::string_view i, net::any_io_executor s,
       clock_type::time_point now, std::chrono::milliseconds timeout)
      : client(cl), req(r), id(i), strand(s), wd(std::move(s)), deadlines{now + timeout}, started(now) {}
  ~call() {
    *alive = false;
    if (stream_open && metrics) metrics->stream_closed();
  }

  beast::tcp_stream& client;
  const request_t& req;
  std::string_view id;
  net::any_io_executor strand;
  watchdog wd;
  request_deadlines deadlines;
  clock_type::time_point started;
  std::unique_ptr<upstream_exchange> exchange;
  std::string retry_after;
  unsigned status = 0;
  // Set while the client's socket is watched for a disconnect (see watch_client).
  std::shared_ptr<bool> watching = std::make_shared<bool>(false);
  // Response cache: the key (when the cache is on) and the X-Cache value of this reply.
  std::optional<cache_key> key;
  std::string_view x_cache = "BYPASS";
  // Coalescing: set while this request leads a flight (see lead).
  lead_guard lead;
  // The leader's client went away while followers still read the flight: the upstream call goes on
  // for them and nothing more is written to this client.
  bool client_lost = false;
  // False once the call is over, for handlers posted from other strands (the abandon action).
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  // SSE framing: chunked for HTTP/1.1, a body ended by close for HTTP/1.0.
  bool chunked = true;
  // Set while a live stream sends keep-alive comments; every write of ours takes turns with them.
  sse_keepalive* keepalive = nullptr;
  gateway_metrics* metrics = nullptr;
  bool stream_open = false;  // counted in gateway_open_streams until the call ends
  // For the access log.
  unsigned attempts = 0;
  std::chrono::microseconds first_byte{-1};
  std::uint64_t bytes = 0;
  std::optional<clock_type::time_point> upstream_called, upstream_finished;
};

chat_handler::chat_handler(const gateway_config& cfg, upstream_caller& upstream, response_cache* cache,
                           flight_registry& flights, active_requests& active, logger log, gateway_metrics* metrics)
    : cfg_(cfg), upstream_(upstream), cache_(cache), flights_(flights), active_(active), keys_(cfg),
      log_(std::move(log)), metrics_(metrics), target_(cfg.upstream.target("/chat/completions")) {}

net::awaitable<bool> chat_handler::handle(beast::tcp_stream& client, const request_t& req,
                                          std::string_view request_id, request_report& report) {
  const auto strand = co_await net::this_coro::executor;
  const auto now = clock_type::now();
  call c(client, req, request_id, strand, now, cfg_.request_timeout);
  c.metrics = metrics_;
  struct reporter {  // however the request ends, the router learns what happened
    call& c;
    request_report& out;
    ~reporter() {
      out.status = c.status;
      if (c.key) out.cache = c.x_cache;
      out.attempts = c.attempts;
      out.upstream_first_byte = c.first_byte;
      out.bytes = c.bytes;
      out.added = gateway_share(c.started, c.upstream_called, c.upstream_finished, clock_type::now());
    }
  } reporting{c, report};
  const auto registration = active_.add(strand, c.alive, &c.wd);  // a shutdown can end it

  const auto content_type = req[http::field::content_type];
  const auto media = content_type.substr(0, content_type.find(';'));
  if (!beast::iequals(trim_space(media), "application/json"))
    co_return co_await reply_error(c, error::unsupported_media_type, "Content-Type must be application/json");

  const request_limits limits{cfg_.max_question_chars};
  auto parsed = parse_chat_request(req.body(), limits);
  if (auto* bad = std::get_if<request_error>(&parsed))
    co_return co_await reply_error(c, bad->code, std::move(bad->message));
  auto& chat = std::get<chat_request>(parsed);
  const bool stream = chat.stream && cfg_.stream_response;

  if (cache_) {
    c.key = keys_(normalize_(chat.question), trimmed_history(chat.history, cfg_.history_limit));
    // A bypass asks for a fresh answer: it neither reads the cache nor joins a flight (but stores).
    if (chat.cache && !asks_fresh_answer(req)) {
      const auto format = stream ? piece_format::chat_sse : piece_format::none;
      auto route = admit(*cache_, flights_, {*c.key, format, strand, c.alive, c.wd}, c.lead);
      c.x_cache = route.x_cache;
      if (route.hit) co_return co_await reply_cached(c, *route.hit, stream);
      if (route.follow) co_return co_await follow(c, std::move(*route.follow), *route.wake, stream);
    }
  }

  watch_client(client, c.watching, strand, [&c] {
    if (c.lead && c.lead.f->leader_gone())
      c.client_lost = true;  // followers still read this answer: let the upstream go on
    else
      c.wd.trigger(error::client_gone);
  });
  c.upstream_called = clock_type::now();
  auto outcome = co_await upstream_.call(target_, build_upstream_body(chat, cfg_, stream), c.wd, c.deadlines, c.id);
  c.attempts = outcome.attempts;
  c.first_byte = outcome.first_byte;
  if (!outcome.exchange) {
    stop_watching(client, c.watching);
    auto& failure = *outcome.failure;
    c.retry_after = std::move(failure.retry_after);
    co_return co_await reply_error(c, failure.code, std::move(failure.message));
  }
  c.exchange = std::move(outcome.exchange);
  // Not a conditional expression: GCC 12 evaluates both co_await operands of `?:`.
  if (stream) co_return co_await reply_stream(c);
  co_return co_await reply_json(c);
}

net::awaitable<bool> chat_handler::reply_json(call& c) {
  std::error_code ec;
  const auto body = co_await c.exchange->read_all(max_completion_body, ec);
  c.upstream_finished = clock_type::now();
  stop_watching(c.client, c.watching);
  if (ec) co_return co_await reply_error(c, ec, {});
  auto done = parse_completion(body);
  if (!done) co_return co_await reply_error(c, error::upstream_protocol_error, "upstream sent an unreadable completion");
  c.exchange.reset();  // back to the pool before the client write

  auto res = make_json_response(200, json_reply(done->content, done->model, false, done->usage),
                                c.req.keep_alive(), c.req.version());
  res.set("x-request-id", c.id);
  res.set("x-cache", c.x_cache);
  settle(c, cached_answer{std::move(done->content), std::move(done->model), done->usage,
                          std::move(done->finish_reason)});
  c.status = 200;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - c.started).count();
  if (c.client_lost) {
    log_.info("{} POST /chat json: client went away; answer delivered to coalesced requests, {} ms", c.id, ms);
    co_return false;
  }
  const auto wec = co_await write_with_deadline(c.client, res, cfg_.client_write_timeout);
  c.bytes += res.body().size();
  log_.info("{} POST /chat 200 json {} ms", c.id, ms);
  co_return !wec && c.req.keep_alive();
}

net::awaitable<bool> chat_handler::reply_stream(call& c) {
  auto& client = c.client;
  if (!co_await start_sse(c)) {
    // Unlike a failed write later on, nothing of this stream reached anyone yet: hand the flight's
    // followers the same fate only when they exist (then the upstream goes on for them).
    if (!(c.lead && c.lead.f->leader_gone())) co_return false;
    c.client_lost = true;
  }

  // Comments keep proxies from cutting a silent stream; taken down before the last write below.
  sse_keepalive keepalive(client, c.strand, c.chunked, cfg_.sse_keepalive_interval, cfg_.client_write_timeout);
  if (!c.client_lost) {
    keepalive.start();
    c.keepalive = &keepalive;
  }

  sse_parser parser;
  std::string model, out, answer;
  std::optional<token_usage> usage;
  std::optional<std::string> finish_reason;
  bool saw_done = false;
  std::error_code failure;
  std::string failure_message;
  std::size_t deltas = 0;

  while (!failure && !c.exchange->done()) {
    std::error_code ec;
    const auto piece = co_await c.exchange->read_some(ec);
    if (ec) {
      failure = ec;
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
        continue;
      }
      auto chunk = event->type == "error" ? std::nullopt : parse_stream_chunk(event->data);
      if (event->type == "error" || (chunk && chunk->error_message)) {
        failure = error::upstream_error_event;
        failure_message = redact_secret(chunk && chunk->error_message ? *chunk->error_message : event->data,
                                        upstream_.client().settings().api_key);
        break;
      }
      if (!chunk) {
        failure = error::upstream_protocol_error;
        failure_message = "upstream sent a malformed stream chunk";
        break;
      }
      if (!chunk->model.empty()) model = std::move(chunk->model);
      if (chunk->usage) usage = chunk->usage;
      if (chunk->finish_reason) finish_reason = std::move(chunk->finish_reason);
      if (!chunk->content.empty()) {
        out += sse_delta(chunk->content);
        if (c.key) answer += chunk->content;
        ++deltas;
      }
    }
    if (out.empty()) continue;
    // Followers get the same bytes by pointer: one copy of the stream however many read it.
    auto shared = c.lead ? std::make_shared<const std::string>(std::move(out)) : nullptr;
    if (shared) c.lead.f->publish(shared);
    if (c.client_lost) continue;
    if (auto wec = co_await send_sse(c, shared ? *shared : out)) {
      const auto why = wec == beast::error::timeout ? error::client_write_timeout : error::client_gone;
      if (c.lead && c.lead.f->leader_gone()) {
        c.client_lost = true;  // followers still read this answer: the upstream goes on for them
        stop_watching(client, c.watching);
        log_.info("{} POST /chat stream: {}; the answer goes on for coalesced requests", c.id, make_error_code(why).message());
        continue;
      }
      failure = why;
      break;
    }
  }
  c.upstream_finished = clock_type::now();
  if (!failure && !saw_done && !finish_reason) {
    failure = error::upstream_closed;
    failure_message = "upstream stream ended before the answer was complete";
  }
  // Before stop_watching: its cancel would cut a comment write in half.
  co_await keepalive.finish();
  c.keepalive = nullptr;
  stop_watching(client, c.watching);
  if (!failure) c.exchange.reset();  // complete: the connection goes back to the pool

  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - c.started).count();
  if (failure == error::client_gone || failure == error::client_write_timeout) {
    log_.info("{} POST /chat 200 stream cut: {} after {} deltas, {} ms", c.id, failure.message(), deltas, ms);
    co_return false;
  }
  if (failure) {
    log_.warn("{} POST /chat 200 stream failed: {} ({}) after {} deltas, {} ms", c.id, failure.message(),
              failure_message, deltas, ms);
    const auto e = static_cast<error>(failure.value());
    if (failure_message.empty()) failure_message = failure.message();
    if (c.lead) c.lead.f->fail({e, failure_message, {}});
    out = sse_error(to_public(e).code, failure_message);
  } else {
    settle(c, cached_answer{std::move(answer), model, usage, finish_reason.value_or("")});
    out = sse_done(model, false, usage);
    out += sse_done_marker;
    log_.info("{} POST /chat 200 stream {} deltas {} ms", c.id, deltas, ms);
  }
  if (c.client_lost) co_return false;
  if (co_await send_sse(c, out)) co_return false;
  co_return co_await end_sse(c);
}

net::awaitable<bool> chat_handler::follow(call& c, flight_registry::ticket ticket, net::steady_timer& wake,
                                          bool stream) {
  const bool streamed = ticket.f->streamed();
  const follow_io io{c.client, c.strand, c.chunked, cfg_.client_write_timeout, cfg_.sse_keepalive_interval,
                     c.deadlines.request};
  // Built in its own statement: GCC 12 mishandles temporaries inside a co_await full-expression.
  std::function<net::awaitable<bool>()> start = [this, &c] { return start_sse(c); };
  auto result = co_await follow_flight(io, std::move(ticket), wake, stream, std::move(start));
  c.bytes += result.bytes;
  const bool started = result.started;
  auto& u = result.last;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - c.started).count();
  if (result.gone) {
    log_.info("{} POST /chat coalesced: client went away after {} us", c.id, us);
    co_return false;
  }

  if (u.answer) {
    const auto& a = *u.answer;
    if (!stream) {
      auto res = make_json_response(200, json_reply(a.answer, a.model, false, a.usage), c.req.keep_alive(),
                                    c.req.version());
      res.set("x-request-id", c.id);
      res.set("x-cache", c.x_cache);
      c.status = 200;
      const auto ec = co_await write_with_deadline(c.client, res, cfg_.client_write_timeout);
      c.bytes += res.body().size();
      log_.info("{} POST /chat 200 json coalesced {} us", c.id, us);
      co_return !ec && c.req.keep_alive();
    }
    if (!started) {
      if (!co_await start_sse(c)) co_return false;
    }
    // A streamed flight already gave us every delta; a JSON one only has the final answer.
    auto out = streamed ? std::string{} : sse_replay(a.answer);
    out += sse_done(a.model, false, a.usage);
    out += sse_done_marker;
    if (co_await send_sse(c, out)) co_return false;
    log_.info("{} POST /chat 200 stream coalesced {} us", c.id, us);
    co_return co_await end_sse(c);
  }

  auto failure = u.failure.value_or(flight_failure{
      error::request_timeout, default_error_message(error::request_timeout, cfg_), {}});
  if (!started) {
    c.retry_after = std::move(failure.retry_after);
    co_return co_await reply_error(c, failure.code, std::move(failure.message));
  }
  log_.warn("{} POST /chat 200 stream coalesced, failed: {}", c.id, failure.message);
  const auto event = sse_error(to_public(failure.code).code, failure.message);
  if (co_await send_sse(c, event)) co_return false;
  co_return co_await end_sse(c);
}

net::awaitable<bool> chat_handler::start_sse(call& c) {
  auto head = sse_head(c.req.version(), c.req.keep_alive());
  head.set("x-request-id", c.id);
  head.set("x-cache", c.x_cache);
  c.chunked = head.chunked();
  c.status = 200;
  if (c.metrics && !c.stream_open) {
    c.stream_open = true;
    c.metrics->stream_opened();
  }
  co_return co_await write_sse_head(c.client, head, cfg_.client_write_timeout);
}

net::awaitable<boost::system::error_code> chat_handler::send_sse(call& c, const std::string& bytes) {
  const std::vector<net::const_buffer> buffers{net::buffer(bytes)};
  const auto ec = co_await write_sse(c.client, c.chunked, buffers, cfg_.client_write_timeout, c.keepalive);
  if (!ec) c.bytes += bytes.size();
  co_return ec;
}

net::awaitable<bool> chat_handler::end_sse(call& c) {
  co_return co_await gateway::end_sse(c.client, c.chunked, c.req.keep_alive(), cfg_.client_write_timeout);
}

void chat_handler::settle(call& c, cached_answer answer) {
  auto shared = std::make_shared<const cached_answer>(std::move(answer));
  // Only complete answers are cached: errors, cut streams and other finish reasons never are. The
  // store comes first, so a request that misses the flight finds the answer in the cache.
  if (cache_ && c.key && (shared->finish_reason == "stop" || shared->finish_reason == "length")) {
    auto entry = *shared;
    entry.hit_body = json_reply(entry.answer, entry.model, true, entry.usage);
    cache_->store(*c.key, std::move(entry));
  }
  if (c.lead) c.lead.f->succeed(std::move(shared));
}

net::awaitable<bool> chat_handler::reply_cached(call& c, const cached_answer& hit, bool stream) {
  const auto ms = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - c.started).count();
  };
  if (!stream) {
    auto res = make_json_response(200, hit.hit_body.empty() ? json_reply(hit.answer, hit.model, true, hit.usage) : hit.hit_body,
                                  c.req.keep_alive(), c.req.version());
    res.set("x-request-id", c.id);
    res.set("x-cache", c.x_cache);
    c.status = 200;
    const auto ec = co_await write_with_deadline(c.client, res, cfg_.client_write_timeout);
    c.bytes += res.body().size();
    log_.info("{} POST /chat 200 json cache hit {} us", c.id, ms());
    co_return !ec && c.req.keep_alive();
  }
  if (!co_await start_sse(c)) co_return false;
  // The same events as a live answer, all in one write.
  auto out = sse_replay(hit.answer);
  out += sse_done(hit.model, true, hit.usage);
  out += sse_done_marker;
  if (co_await send_sse(c, out)) co_return false;
  log_.info("{} POST /chat 200 stream cache hit {} us", c.id, ms());
  co_return co_await end_sse(c);
}

net::awaitable<bool> chat_handler::reply_error(call& c, std::error_code cause, std::string message) {
  const auto e = cause.category() == gateway_category() ? static_cast<error>(cause.value()) : error::upstream_error_event;
  if (e == error::client_gone) {
    log_.info("{} POST /chat: client went away before the answer", c.id);
    if (c.lead) c.lead.f->fail({e, "the client went away", {}});
    co_return false;
  }
  const auto pub = to_public(e);
  if (message.empty()) message = default_error_message(e, cfg_);
  if (c.lead) c.lead.f->fail({e, message, c.retry_after});  // every follower gets the same error
  c.status = pub.status;
  const bool keep_alive = c.req.keep_alive();
  auto res = make_json_response(pub.status, json_error(pub.code, message), keep_alive, c.req.version());
  res.set("x-request-id", c.id);
  if (pub.status == 405) res.set(http::field::allow, "POST");
  if (!c.retry_after.empty()) res.set(http::field::retry_after, c.retry_after);
  if (c.key) res.set("x-cache", c.x_cache);
  const auto level = pub.status >= 500 ? log_level::warn : log_level::info;
  log_.log(level, "{} POST /chat {} {}: {}", c.id, pub.status, cause.message(), message);
  if (c.client_lost) co_return false;
  const auto wec = co_await write_with_deadline(c.client, res, cfg_.client_write_timeout);
  c.bytes += res.body().size();
  co_return !wec && keep_alive;
}

}  // namespace gateway
