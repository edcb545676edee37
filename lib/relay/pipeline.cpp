#include "relay/pipeline.hpp"

#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "cluster/shared_flights.hpp"
#include "http/client_watch.hpp"
#include "http/downstream.hpp"
#include "http/reply_head.hpp"
#include "http/serve.hpp"
#include "metrics/metrics.hpp"
#include "net/watchdog.hpp"
#include "pii/pii_event_restorer.hpp"
#include "relay/error_text.hpp"
#include "relay/flight_io.hpp"
#include "relay/relay_machine.hpp"
#include "relay/upstream_trace.hpp"

#include <boost/asio/this_coro.hpp>
#include <algorithm>
#include <type_traits>
#include <fmt/format.h>

namespace gateway {
namespace beast = boost::beast;
namespace {

constexpr std::size_t max_completion_body = 4 << 20;
// The most a stream's client-write string is sized ahead of its events (see relay_stream).
constexpr std::size_t reserve_limit = 2 << 10;

}  // namespace

// Everything one request needs while it is served. Lives in serve()'s coroutine frame.
struct relay_pipeline::call {
  call(request_context& ctx, relay_request& req, asio::any_io_executor s, clock_type::time_point now,
       std::chrono::milliseconds timeout, gateway_metrics* m)
      : rc(ctx), r(req), strand(std::move(s)), wd(strand), down(ctx.client, strand), deadlines{now + timeout},
        started(now), x_cache(req.x_cache), metrics(m) {}
  ~call() {
    *alive = false;
    rc.report.bytes += down.bytes();
    if (stream_open && metrics) metrics->stream_closed();
    if (r.key) rc.report.cache = x_cache;
    rc.report.cache_match = x_cache_match;
    rc.report.added = gateway_share(started, upstream_called, upstream_finished, clock_type::now());
  }
  std::int64_t elapsed_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started).count();
  }

  request_context& rc;
  relay_request& r;
  asio::any_io_executor strand;
  watchdog wd;
  downstream down;  // the client side: its watch and, for a stream, every byte it is sent
  request_deadlines deadlines;
  clock_type::time_point started;
  std::string_view x_cache;  // HIT, MISS, COALESCED, BYPASS, or "" (no header)
  std::string_view x_cache_match;  // on hits: exact or similar
  gateway_metrics* metrics;
  // This instance leads the question for every instance (shared_flights); before `exchange`,
  // which may publish through it.
  std::unique_ptr<cluster::flight_publisher> publisher;
  std::unique_ptr<reply_source> exchange;  // the upstream's reply, or another instance's copy
  // The Groq keys and routes this request's upstream call takes (set when it leads), kept until
  // its answer ends however often they are reloaded meanwhile; the relay redacts those keys from
  // the upstream's text.
  std::shared_ptr<route_set> routing;
  // The flags side by side (one padded word, not one each: serve()'s frame holds this struct).
  bool remote = false;  // `exchange` is another instance's copy: its answer is stored, and paid for, there
  bool fallback = false;  // a fallback model answered (CACHE_FALLBACK_ANSWERS decides whether it is stored)
  // The leader's client went away while followers still read the flight: the upstream call goes on
  // for them and nothing more is written to this client.
  bool client_lost = false;
  bool stream_open = false;  // counted in gateway_open_streams until the call ends
  // The span of the phase the request is in (cache lookup, coalescing wait, upstream call, relay),
  // when its trace is recorded. Phases follow one another: beginning one ends the last.
  request_spans::ref phase = request_spans::none;
  void begin_phase(std::string_view name, span_kind kind = span_kind::internal) {
    if (!rc.spans) return;
    rc.spans->end(phase);
    phase = rc.spans->start(std::string(name), kind);
  }
  void end_phase() {
    if (!rc.spans) return;
    rc.spans->end(phase);
    phase = request_spans::none;
  }
  // The cache lookup: a hit, a flight to follow, or this request leads. Not a coroutine: what it
  // asks with stays out of serve()'s frame.
  admission admit_to(answer_store& store, flight_registry& flights) {
    const unsigned format = r.stream ? r.format.piece_format() : piece_format::none;
    admission_request ask{*r.key, format, strand, alive, wd};
    ask.usable = [this](const cached_answer& a) { return r.format.can_replay(a); };
    ask.spans = rc.spans;
    return admit(store, flights, ask, lead);
  }
  // The phase waits on another request's upstream call on this instance: its span links to that
  // request's server span, when both are recorded (flight::origin, set by admit()).
  void link_phase(const flight& leader) {
    if (rc.spans) rc.spans->link(phase, leader.origin());
  }
  // Converted only when recorded: nothing is made for a request whose trace is not. `key`: a literal.
  template <class V>
  void phase_attribute(std::string_view key, const V& value) {
    if (!rc.spans) return;
    if constexpr (std::is_convertible_v<const V&, std::string_view>)
      rc.spans->set(phase, key, std::string(std::string_view(value)));
    else
      rc.spans->set(phase, key, attribute_value(value));
  }
  std::string retry_after;
  // Coalescing: set while this request leads a flight.
  lead_guard lead;
  // False once the call is over, for handlers posted from other strands (the abandon action).
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  // This client's own values put back into what it is sent (null: its request carried none). On
  // the heap: the coroutine frame stays small (see relay_stream).
  struct client_restore {
    pii_event_restorer events;
    std::string out;
  };
  std::unique_ptr<client_restore> restore;
  std::optional<clock_type::time_point> upstream_called, upstream_finished;
};

relay_pipeline::relay_pipeline(relay_deps deps)
    : deps_(std::move(deps)), client_{deps_.cfg.client_write_timeout, deps_.cfg.sse_keepalive_interval} {}

asio::awaitable<bool> relay_pipeline::serve(request_context& rc, relay_request& r) {
  const auto strand = co_await asio::this_coro::executor;
  call c(rc, r, strand, clock_type::now(), deps_.cfg.request_timeout, deps_.metrics);
  const active_requests::registration registration(deps_.active, c.strand, c.alive, &c.wd);  // a shutdown can end it
  if (r.pii && !r.pii->empty()) {
    if (deps_.metrics) deps_.metrics->pii_protected(r.pii->replaced());
    c.restore = std::make_unique<call::client_restore>(
        call::client_restore{{*r.pii, r.format.text_member()}, {}});
  }

  if (deps_.store && r.key && r.read_cache) {
    c.begin_phase("gateway.cache.lookup");
    auto route = c.admit_to(*deps_.store, deps_.flights);
    c.x_cache = route.x_cache;
    c.phase_attribute("gateway.cache.result", c.x_cache);
    if (route.hit) co_return co_await reply_cached(c, *route.hit);
    if (route.follow) co_return co_await follow(c, std::move(*route.follow), *route.wake);
    if (deps_.store->has_shared_tier() && !deps_.shared) {
      // The leader asks the shared tier once for everyone following it here (with shared flights,
      // the claim in lead() asks it, in the same round trip as the question's lock).
      c.phase_attribute("gateway.cache.tier", "shared");
      auto shared = co_await deps_.store->find_shared(*r.key, c.deadlines.request);
      if (shared && r.format.can_replay(*shared)) {
        c.lead.f->succeed(shared);
        c.x_cache = "HIT";
        co_return co_await reply_cached(c, *shared);
      }
    }
  }
  co_return co_await lead(c);
}

asio::awaitable<fetched> relay_pipeline::fetch(request_context& rc, std::string_view target, std::size_t limit) {
  const auto strand = co_await asio::this_coro::executor;
  watchdog wd(strand);
  const request_deadlines deadlines{clock_type::now() + deps_.cfg.request_timeout};
  auto alive = std::make_shared<bool>(true);
  const active_requests::registration registration(deps_.active, strand, alive, &wd);  // a shutdown can end it
  release_read_buffer(rc);
  client_watch watch(rc.client, strand, [&wd] { wd.trigger(error::client_gone); });
  fetched out;
  const auto routing = deps_.caller.routing();  // this request's keys, whatever a reload brings
  const auto trace = trace_upstream(rc, request_spans::none, "GET", deps_.caller.provider().url.host, *routing);
  const request_tags tags{rc.id, trace.fields, trace.attempts.get()};
  auto outcome =
      co_await deps_.caller.call(*routing, target, {}, wd, deadlines, tags, {}, beast::http::verb::get);
  rc.report.attempts = outcome.attempts;
  rc.report.upstream_first_byte = outcome.first_byte;
  out.upstream_status = outcome.upstream_status;
  out.failure = std::move(outcome.failure);
  if (outcome.exchange) {
    std::error_code ec;
    out.body = co_await outcome.exchange->read_all(limit, ec);
    if (ec) out.failure = upstream_failure{as_gateway_error(ec, error::upstream_closed), {}, {}};
    outcome.exchange.reset();  // back to the pool when read to its end
  }
  watch.stop();  // before the reply's write, which a watch's end would cancel
  co_return out;  // the registration's end sets `alive` false
}

asio::awaitable<bool> relay_pipeline::lead(call& c) {
  release_read_buffer(c.rc);  // what follows waits for an answer: seconds, where a hit takes microseconds
  // While the upstream works, a client that hangs up cuts the call - unless followers still read it.
  c.down.watch([&c] {
    if (c.lead && c.lead.f->leader_gone())
      c.client_lost = true;
    else
      c.wd.trigger(error::client_gone);
  });
  c.upstream_called = clock_type::now();
  c.routing = deps_.caller.routing();  // this request's keys and routes from here to its end
  // Another instance may be asking the upstream this very question: then its copy is read instead.
  cluster::flight_claim claim;
  // Only requests that may be answered from the cache share a call (a bypass wants its own).
  if (deps_.shared && c.r.key && c.r.read_cache) {
    c.begin_phase("gateway.coalesce.claim");
    c.phase_attribute("gateway.coalesce.scope", "cluster");
    claim = co_await deps_.shared->claim(*c.r.key, c.r.stream, c.strand, c.wd, c.deadlines, c.rc.spans, c.phase);
    // A follower's claim lasts until the leader's head (or failure): its wait behind the other
    // instance's upstream call. "alone": no lock either way (Redis not answering, or the leader
    // asks in the other mode).
    c.phase_attribute("gateway.coalesce.role", claim.hit      ? (c.r.format.can_replay(*claim.hit) ? "hit" : "alone")
                                               : claim.follow ? "follower"
                                               : claim.lead   ? "leader"
                                                              : "alone");
    c.end_phase();
  }
  if (claim.hit && c.r.format.can_replay(*claim.hit)) {
    c.down.stop_watching();
    deps_.store->keep_local(*c.r.key, *claim.hit, true);
    if (c.lead) c.lead.f->succeed(claim.hit);
    c.x_cache = "HIT";
    co_return co_await reply_cached(c, *claim.hit);
  }
  if (claim.follow) {
    c.x_cache = "COALESCED";
    c.remote = true;
    if (claim.failure) {
      c.down.stop_watching();
      c.retry_after = std::move(claim.failure->retry_after);
      co_return co_await reply_error(c, claim.failure->code, std::move(claim.failure->message),
                                     claim.failure->upstream_status);
    }
    c.exchange = std::move(claim.follow);
  } else {
    c.publisher = std::move(claim.lead);
    std::string body = c.r.make_body ? c.r.make_body() : std::move(c.r.body);
    begin_upstream_phase(c);
    const auto trace = trace_upstream(c.rc, c.phase, "POST", deps_.caller.provider().url.host, *c.routing);
    const request_tags tags{c.rc.id, trace.fields, trace.attempts.get()};
    auto outcome = co_await deps_.caller.call(*c.routing, c.r.target, body, c.wd, c.deadlines, tags,
                                                c.r.model);
    c.rc.report.attempts = outcome.attempts;
    c.fallback = outcome.fallback;
    c.rc.report.upstream_first_byte = outcome.first_byte;
    end_upstream_phase(c, outcome);
    if (!outcome.exchange) {
      c.down.stop_watching();
      auto& failure = *outcome.failure;
      if (c.publisher) c.publisher->fail({failure.code, failure.retry_after, failure.message, outcome.upstream_status});
      c.retry_after = std::move(failure.retry_after);
      co_return co_await reply_error(c, failure.code, std::move(failure.message), outcome.upstream_status);
    }
    if (c.publisher) {
      c.publisher->head();
      c.exchange = c.publisher->tee(std::move(outcome.exchange));
    } else {
      c.exchange = std::move(outcome.exchange);
    }
  }
  // Another instance's copy is this request's coalescing wait, as a follower's on this instance is.
  c.begin_phase(c.remote ? "gateway.coalesce.wait" : "gateway.relay");
  if (c.remote) c.phase_attribute("gateway.coalesce.scope", "cluster");
  // Not a conditional expression: GCC 12 evaluates both co_await operands of `?:`.
  if (c.r.stream) co_return co_await relay_stream(c);
  co_return co_await reply_json(c);
}

asio::awaitable<bool> relay_pipeline::reply_json(call& c) {
  std::error_code ec;
  auto body = co_await c.exchange->read_all(max_completion_body, ec);
  c.upstream_finished = clock_type::now();
  c.down.stop_watching();
  c.end_phase();
  if (ec) co_return co_await reply_error(c, as_gateway_error(ec, error::upstream_closed), {});
  auto done = c.r.format.from_upstream_json(std::move(body), c.r.key.has_value());
  if (!done.body) co_return co_await reply_error(c, error::upstream_protocol_error, "upstream sent an unreadable completion");
  c.exchange.reset();  // back to the pool before the client write
  if (c.r.key) settle(c, std::move(done.answer));
  if (c.client_lost) {
    deps_.log.info("{} {} json: client went away; answer delivered to coalesced requests, {} us", c.rc.id, c.r.label,
                   c.elapsed_us());
    co_return false;
  }
  const bool keep = co_await send_json(c, std::move(*done.body));
  deps_.log.debug("{} {} 200 json {} us", c.rc.id, c.r.label, c.elapsed_us());
  co_return keep;
}

// The stream's coroutine only performs the relay_machine's actions (read, wait, owe, write,
// finish); what it does between two waits is in plain functions (take_piece, after_wait,
// client_owed, client_write_failed, stream_outcome), as GCC keeps every local of a coroutine in its frame, and
// a frame over 1,020 bytes is not recycled by Asio's per-thread cache (CTest frame_sizes).
asio::awaitable<bool> relay_pipeline::relay_stream(call& c) {
  // The keys the call sent (another instance's copy: this one's, as of the request's start).
  relay_machine m(c.r.format, [&keys = c.routing->keys](std::string text) {
    return keys.redact(std::move(text));
  });
  std::string out;  // what was read for the next write; moved into a shared piece when followers read it too
  // The head goes out with the first write: with the first event when it is there, else alone
  // before the first wait. A client gone by then is found by that write, as by any other.
  begin_stream(c);
  // A comment falling due ends the wait on the upstream; this coroutine writes it (one writer).
  if (!c.client_lost) c.down.keep_alive([&c] { c.exchange->interrupt(); });

  relay_action act;  // read
  for (;;) {
    if (act.next == relay_action::kind::read) {
      // The client left while followers remain (seen by the watch, or before the stream started):
      // from now on, only they get the stream.
      if (c.client_lost && m.client_attached()) m.resume(client_left{true}, out);
      if (c.exchange->done()) {
        act = m.resume(upstream_end{}, out);
      } else {
        // Try now: a piece that is there already is read without a coroutine call (the hot path).
        std::error_code ec;
        const auto piece = c.exchange->try_read(ec);
        act = piece ? take_piece(m, out, *piece, ec) : m.resume(nothing_ready{client_owed(c)}, out);
      }
      continue;
    }
    if (act.next == relay_action::kind::wait) {
      std::error_code ec;
      co_await c.exchange->wait_readable(ec);  // the upstream has more, or a comment fell due
      act = after_wait(m, out, ec);
      continue;
    }
    if (act.next == relay_action::kind::owe) {
      const bool head = c.down.head_pending();  // not a conditional co_await: GCC 12
      boost::system::error_code wec;
      if (head) wec = co_await c.down.write(std::string_view{});
      else wec = co_await c.down.write_keepalive();
      if (wec) client_write_failed(c, m, act, wec);
      else act = m.resume(written{}, out);
      continue;
    }
    // write, complete or fail: what was read goes to the followers and to this client.
    if (!out.empty()) {
      // Followers get the same bytes by pointer: one copy of the stream however many read it.
      auto shared = c.lead ? std::make_shared<const std::string>(std::move(out)) : nullptr;
      if (shared) c.lead.f->publish(shared);
      // What this client gets: the shared bytes with its own values restored. Never an empty
      // write (an empty chunk would end the response).
      const asio::const_buffer buffer =
          m.client_attached() ? asio::buffer(client_bytes(c, shared ? *shared : out, false)) : asio::const_buffer();
      boost::system::error_code wec;
      // What the client takes at once needs no coroutine call either.
      if (buffer.size() != 0 && !c.down.try_write(std::span<const asio::const_buffer>(&buffer, 1), wec))
        wec = co_await c.down.write_rest();
      out.clear();
      if (wec) {
        client_write_failed(c, m, act, wec);
        continue;
      }
    }
    if (act.next != relay_action::kind::write) break;  // complete or fail
    act = m.resume(written{}, out);
  }
  c.upstream_finished = clock_type::now();
  c.down.stop_keep_alive();  // before the exchange goes back to the pool: the wake refers to it
  c.down.stop_watching();
  if (!stream_outcome(c, m, act) || !m.client_attached()) co_return false;
  const auto tail = m.take_tail();  // its own statement: GCC 12 and co_await temporaries
  co_return co_await end_stream(c, tail);
}

relay_action relay_pipeline::after_wait(relay_machine& m, std::string& out, const std::error_code& ec) {
  if (ec) return m.resume(upstream_failed{as_gateway_error(ec, error::upstream_closed)}, out);
  return m.resume(wait_over{}, out);
}

relay_action relay_pipeline::take_piece(relay_machine& m, std::string& out, std::string_view piece,
                                        const std::error_code& ec) {
  if (ec) return m.resume(upstream_failed{as_gateway_error(ec, error::upstream_closed)}, out);
  if (piece.empty()) return m.resume(upstream_end{}, out);
  // What goes out is about what came in (byte for byte on /v1): room for it at once, not the
  // three or four doublings of a string appended to event by event. Bounded, as the string keeps
  // its capacity through the stream's waits.
  if (out.empty() && out.capacity() < piece.size()) out.reserve(std::min(piece.size() + 64, reserve_limit));
  return m.resume(upstream_bytes{piece}, out);
}

bool relay_pipeline::client_owed(const call& c) {
  return !c.client_lost && (c.down.head_pending() || c.down.keepalive_due());
}

void relay_pipeline::begin_upstream_phase(call& c) const {
  if (!c.rc.spans) return;
  // The GenAI conventions name a model call "{operation} {model}" - for the models configured
  // here; a model a /v1 client named is an attribute only (no span name of a client's making).
  const std::string_view model = c.r.model.empty() ? std::string_view(deps_.cfg.model) : c.r.model;
  const bool configured = model == deps_.cfg.model ||
                          std::find(deps_.cfg.fallback_models.begin(), deps_.cfg.fallback_models.end(), model) !=
                              deps_.cfg.fallback_models.end();
  c.begin_phase(configured ? fmt::format("chat {}", model) : std::string("chat"), span_kind::client);
  c.phase_attribute("gen_ai.operation.name", "chat");
  c.phase_attribute("gen_ai.provider.name", deps_.caller.provider().name);
  c.phase_attribute("gen_ai.request.model", model);
  c.phase_attribute("server.address", deps_.caller.provider().url.host);
}

void relay_pipeline::end_upstream_phase(call& c, const upstream_outcome& outcome) {
  if (!c.rc.spans) return;
  auto& spans = *c.rc.spans;
  c.phase_attribute("gateway.upstream.attempts", static_cast<std::int64_t>(outcome.attempts));
  if (outcome.upstream_status) c.phase_attribute("http.response.status_code", static_cast<std::int64_t>(outcome.upstream_status));
  if (outcome.fallback) c.phase_attribute("gateway.upstream.fallback", true);
  if (outcome.first_byte.count() >= 0) spans.event(c.phase, "first_byte");
  if (!outcome.exchange && outcome.failure)
    spans.fail(c.phase, make_error_code(outcome.failure->code).message(), outcome.failure->message);
  c.end_phase();
}

void relay_pipeline::record_answer(request_spans& spans, const cached_answer& a) {
  if (!a.model.empty()) spans.set(request_spans::server, "gen_ai.response.model", a.model);
  if (!a.finish_reason.empty())
    spans.set(request_spans::server, "gen_ai.response.finish_reasons", std::vector<std::string>{a.finish_reason});
  if (a.usage) {
    spans.set(request_spans::server, "gen_ai.usage.input_tokens", static_cast<std::int64_t>(a.usage->prompt_tokens));
    spans.set(request_spans::server, "gen_ai.usage.output_tokens", static_cast<std::int64_t>(a.usage->completion_tokens));
  }
}

void relay_pipeline::client_write_failed(call& c, relay_machine& m, relay_action& act,
                                         const boost::system::error_code& wec) {
  const auto why = wec == beast::error::timeout ? error::client_write_timeout : error::client_gone;
  const bool followers = c.lead && c.lead.f->leader_gone();
  c.down.stop_keep_alive();  // nobody to keep the stream alive for
  if (followers) {
    c.client_lost = true;
    c.down.stop_watching();
    deps_.log.info("{} {} stream: {}; the answer goes on for coalesced requests", c.rc.id, c.r.label,
                   make_error_code(why).message());
  }
  std::string none;
  auto left = m.resume(client_left{followers, why}, none);
  // A stream that was ending ends as it was (its client gets nothing more); else as the machine says.
  if (act.next != relay_action::kind::complete && act.next != relay_action::kind::fail) act = std::move(left);
}

bool relay_pipeline::stream_outcome(call& c, relay_machine& m, const relay_action& act) {
  const auto us = c.elapsed_us();
  c.phase_attribute("gateway.relay.events", static_cast<std::int64_t>(m.events()));
  if (act.next != relay_action::kind::complete && c.rc.spans)
    c.rc.spans->fail(c.phase, make_error_code(act.code).message(), m.message());
  c.end_phase();
  if (act.next == relay_action::kind::complete) {
    c.exchange.reset();  // read to its end: the connection goes back to the pool
    if (c.r.key) settle(c, m.take_answer());
    deps_.log.debug("{} {} 200 stream {} events {} us", c.rc.id, c.r.label, m.events(), us);
  } else if (is_client_cause(act.code)) {
    // Nobody is left to read this answer (the flight was abandoned, no one can join it).
    deps_.log.info("{} {} 200 stream cut: {} after {} events, {} us", c.rc.id, c.r.label,
                   make_error_code(act.code).message(), m.events(), us);
    return false;
  } else {
    deps_.log.warn("{} {} 200 stream failed: {} ({}) after {} events, {} us", c.rc.id, c.r.label,
                   make_error_code(act.code).message(), m.message(), m.events(), us);
    if (c.lead) c.lead.f->fail({act.code, m.message(), {}});
  }
  return true;
}

void relay_pipeline::settle(call& c, std::optional<cached_answer> answer) {
  // What the answer cost, for RATE_LIMIT_TPM (the router charges it to the client).
  if (answer && answer->usage && !c.remote) c.rc.report.completion_tokens = answer->usage->completion_tokens;
  if (!answer) {
    // Only plain text answers are replayable; a cacheable request should never get anything else.
    if (c.lead) c.lead.f->fail({error::upstream_protocol_error, "the upstream's answer cannot be shared", {}});
    deps_.log.warn("{} {}: the answer is not replayable; not cached", c.rc.id, c.r.label);
    return;
  }
  if (c.rc.spans) record_answer(*c.rc.spans, *answer);
  auto shared = std::make_shared<const cached_answer>(std::move(*answer));
  // The store comes before the followers are told, so that a request that misses the flight finds
  // the answer in the store.
  if (deps_.store && storable(*shared) && (!c.fallback || deps_.cfg.cache_fallback_answers)) {
    auto entry = *shared;
    if (entry.hit_body.empty()) entry.hit_body = c.r.format.hit_body(entry);
    entry.question = std::string(c.r.question);
    if (c.remote) deps_.store->keep_local(*c.r.key, std::move(entry), false);  // the leader stores it for all
    else deps_.store->store(*c.r.key, std::move(entry));
  }
  if (c.lead) c.lead.f->succeed(std::move(shared));
}

asio::awaitable<bool> relay_pipeline::reply_cached(call& c, const cached_answer& hit) {
  c.end_phase();
  // Served as it was stored; the header says whether it was stored for these very words.
  const bool similar = !hit.question.empty() && hit.question != c.r.question;
  c.x_cache_match = similar ? "similar" : "exact";
  if (deps_.metrics) deps_.metrics->cache_hit(similar);
  if (!c.r.stream) {
    bool keep = false;
    if (hit.hit_body.empty()) {
      auto body = c.r.format.json_replay(hit, true);  // its own statement: GCC 12 and co_await temporaries
      keep = co_await send_json(c, std::move(body));
    } else if (c.restore) {
      keep = co_await send_json(c, hit.hit_body);  // a copy, with this client's own values
    } else {
      // The entry's own bytes: `hit` is held by the caller for the whole reply.
      reply_headers headers;
      headers.x_cache = c.x_cache;
      headers.x_cache_match = c.x_cache_match;
      std::string room;  // a Server-Timing value that is not a fixed one
      headers.server_timing = server_timing(c.x_cache, c.rc.report.upstream_first_byte, room);
      keep = co_await send_reply_view(c.rc, 200, hit.hit_body, deps_.cfg.client_write_timeout, headers);
    }
    deps_.log.debug("{} {} 200 json cache hit {} us", c.rc.id, c.r.label, c.elapsed_us());
    co_return keep;
  }
  begin_stream(c);
  const auto out = c.r.format.stream_replay(hit, true);  // head, events and end in one write
  const bool keep = co_await end_stream(c, out);
  deps_.log.debug("{} {} 200 stream cache hit {} us", c.rc.id, c.r.label, c.elapsed_us());
  co_return keep;
}

asio::awaitable<bool> relay_pipeline::follow(call& c, flight_registry::ticket ticket, asio::steady_timer& wake) {
  release_read_buffer(c.rc);  // the leader's answer may take seconds
  c.begin_phase("gateway.coalesce.wait");
  c.phase_attribute("gateway.coalesce.scope", "instance");
  c.link_phase(*ticket.f);
  // The leader's pieces fit only a follower asking for the same stream format; others get the final
  // answer replayed in their own.
  const unsigned format = c.r.stream ? c.r.format.piece_format() : piece_format::none;
  const bool pieces = format != piece_format::none && ticket.f->format() == format;
  follow_io io{c.down, c.deadlines.request};
  if (c.restore)
    io.transform = [&c](std::string_view piece, std::string& out) {
      out.append(client_bytes(c, piece, false));
    };
  // Built in its own statement: GCC 12 mishandles temporaries inside a co_await full-expression.
  std::function<void()> begin = [this, &c] { begin_stream(c); };
  auto result = co_await follow_flight(io, std::move(ticket), wake, pieces, std::move(begin));
  c.end_phase();
  if (result.gone) {
    deps_.log.info("{} {} coalesced: client went away after {} us", c.rc.id, c.r.label, c.elapsed_us());
    co_return false;
  }
  if (result.last.answer) {
    const auto& a = *result.last.answer;
    if (!c.r.stream) {
      auto body = c.r.format.json_replay(a, false);
      const bool keep = co_await send_json(c, std::move(body));
      deps_.log.debug("{} {} 200 json coalesced {} us", c.rc.id, c.r.label, c.elapsed_us());
      co_return keep;
    }
    if (!c.down.streaming()) begin_stream(c);  // the head goes out with the answer
    const auto out = pieces ? c.r.format.follower_end(a) : c.r.format.stream_replay(a, false);
    const bool keep = co_await end_stream(c, out);
    deps_.log.debug("{} {} 200 stream coalesced {} us", c.rc.id, c.r.label, c.elapsed_us());
    co_return keep;
  }

  auto failure = result.last.failure.value_or(
      flight_failure{error::request_timeout, default_error_message(error::request_timeout, deps_.cfg), {}});
  if (!c.down.streaming()) {
    c.retry_after = std::move(failure.retry_after);
    co_return co_await reply_error(c, failure.code, std::move(failure.message), failure.upstream_status);
  }
  deps_.log.warn("{} {} 200 stream coalesced, failed: {}", c.rc.id, c.r.label, failure.message);
  const auto event = c.r.format.stream_error(failure.code, failure.message);
  co_return co_await end_stream(c, event);
}

asio::awaitable<bool> relay_pipeline::reply_error(call& c, error cause, std::string message, unsigned upstream_status) {
  if (c.rc.spans) c.rc.spans->fail(request_spans::server, make_error_code(cause).message(), message);
  c.end_phase();
  if (cause == error::client_gone) {
    // Nothing to answer. Followers (if any) get lead_guard's failure, never this client's 499.
    deps_.log.info("{} {}: client went away before the answer, {} us", c.rc.id, c.r.label, c.elapsed_us());
    co_return false;
  }
  if (message.empty()) message = default_error_message(cause, deps_.cfg);
  // Every follower of this request's flight gets the same error.
  if (c.lead) c.lead.f->fail({cause, message, c.retry_after, upstream_status});
  auto reply = c.r.format.error_response(cause, message, upstream_status);
  deps_.log.log(reply.status >= 500 ? log_level::warn : log_level::info, "{} {} {} {}: {}", c.rc.id, c.r.label,
                reply.status, make_error_code(cause).message(), message);
  if (c.client_lost) {
    c.rc.report.status = reply.status;  // what the followers got; this client is gone
    co_return false;
  }
  reply_headers headers;  // a statement of its own: GCC 12 and braced lists inside co_await
  headers.x_cache = c.x_cache;
  headers.retry_after = c.retry_after;
  co_return co_await send_reply(c.rc, reply.status, std::move(reply.body), deps_.cfg.client_write_timeout, headers);
}

asio::awaitable<bool> relay_pipeline::reject(request_context& rc, std::string_view label, error cause,
                                             error_reply reply) {
  deps_.log.info("{} {} {} {}", rc.id, label, reply.status, make_error_code(cause).message());
  co_return co_await send_reply(rc, reply.status, std::move(reply.body), deps_.cfg.client_write_timeout);
}

void relay_pipeline::begin_stream(call& c) {
  reply_fields f{{}, c.rc.id};
  f.x_cache = c.x_cache;
  f.x_cache_match = c.x_cache_match;
  std::string room;  // a Server-Timing value that is not a fixed one
  f.server_timing = server_timing(c.x_cache, c.rc.report.upstream_first_byte, room);
  std::string head;
  head.reserve(256);  // one allocation: the head is ~200 bytes
  const bool chunked = append_sse_head(head, c.rc.req.version(), c.rc.req.keep_alive(), f);
  c.down.begin_stream(std::move(head), chunked, client_);
  c.rc.report.status = 200;
  if (c.metrics && !c.stream_open) {
    c.stream_open = true;
    c.metrics->stream_opened();
  }
}

asio::awaitable<bool> relay_pipeline::end_stream(call& c, const std::string& tail) {
  const auto ec = co_await c.down.end(client_bytes(c, tail, true));
  co_return !ec && c.down.chunked() && c.rc.req.keep_alive();
}

std::string_view relay_pipeline::client_bytes(call& c, std::string_view shared, bool last) {
  if (!c.restore) return shared;
  c.restore->out.clear();
  c.restore->events.feed(shared, c.restore->out);
  if (last) c.restore->events.finish(c.restore->out);
  return c.restore->out;
}

asio::awaitable<bool> relay_pipeline::send_json(call& c, std::string body) {
  // A JSON answer holds its text whole: placeholders are restored in place (the values need no
  // JSON escape: pii_detect takes none with a quote, a backslash or a control character).
  if (c.restore) body = c.r.pii->restore(body);
  reply_headers headers;
  headers.x_cache = c.x_cache;
  headers.x_cache_match = c.x_cache_match;
  std::string room;  // a Server-Timing value that is not a fixed one
  headers.server_timing = server_timing(c.x_cache, c.rc.report.upstream_first_byte, room);
  co_return co_await send_reply(c.rc, 200, std::move(body), deps_.cfg.client_write_timeout, headers);
}

}  // namespace gateway
