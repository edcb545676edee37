// The one request path of every endpoint that asks the upstream on a client's behalf: admission
// (the answer store, then leading or following the key's flight), the upstream call (retries,
// breaker and deadlines in upstream_caller), the relay of a stream or the read of a JSON answer,
// and the settling (store, hand the answer or the failure to the followers, reply). Endpoints only
// parse their request and pick their relay_format; everything else happens here, once.
//
// Each upstream read goes straight to the client write in this coroutine, on the client
// connection's strand: no queue, no thread hand-off, and back-pressure for free.
// Threading: one pipeline serves every request; serve() runs on the request's strand.
#pragma once

#include "cache/answer_store.hpp"
#include "cache/single_flight.hpp"
#include "config/gateway_config.hpp"
#include "core/logger.hpp"
#include "http/active_requests.hpp"
#include "http/downstream.hpp"
#include "http/request_context.hpp"
#include "relay/relay_format.hpp"
#include "upstream/upstream_caller.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace gateway {
namespace cluster {
class shared_flights;
}

class gateway_metrics;
class pii_mapping;
class relay_machine;
struct relay_action;

/// What an endpoint hands the pipeline for one request.
struct relay_request {
  std::string_view label;  // for logs, e.g. "POST /chat"
  relay_format& format;
  std::string_view target; // upstream path
  std::string body;        // upstream request body (or see make_body)
  /// Set when the answer may be cached and shared (the store is on and the request is cacheable).
  std::optional<cache_key> key;
  bool read_cache = true;  // false: a fresh answer was asked for - no lookup, no flight; still stored
  bool stream = false;     // the client asked for SSE (beside read_cache: no padding of its own)
  /// The X-Cache header's value before admission decides ("" = no X-Cache header on this endpoint
  /// for this request).
  std::string_view x_cache;
  /// The question as asked (normalized) when the key is a similar-question form: stored with the
  /// answer, and a hit for other words says X-Cache-Match: similar. Empty: every hit is exact.
  std::string_view question = {};
  /// When set, builds the upstream body instead of `body` - only when this request asks upstream
  /// (a cache hit or a coalesced follower never needs one).
  std::function<std::string()> make_body = {};
  /// The model the body asks for ("": MODEL, whose fallback models may answer instead).
  std::string_view model = {};
  /// This request's personal data (PII_PROTECTION): the body, the key and the question hold
  /// placeholders only, and everything this client is sent - live, cached or coalesced - is
  /// restored with this mapping (and no other). Null: none was found, or protection is off.
  const pii_mapping* pii = nullptr;
};

/// What fetch() brings back: the upstream's body, or why there is none.
struct fetched {
  std::string body;
  std::optional<upstream_failure> failure;  // set when there is no body (its message may be empty)
  unsigned upstream_status = 0;             // the last HTTP status seen, 0 when none
};

struct relay_deps {
  const gateway_config& cfg;
  upstream_caller& caller;
  answer_store* store;       // null: CACHE_ENABLED=false
  flight_registry& flights;  // coalescing, shared by every endpoint (keys never collide)
  active_requests& active;   // what a shutdown ends after the grace
  logger log;
  gateway_metrics* metrics = nullptr;
  cluster::shared_flights* shared = nullptr;  // coalescing across instances (REDIS_URL); null: none
};

class relay_pipeline {
 public:
  explicit relay_pipeline(relay_deps deps);

  /// Answers one request; returns whether the connection may be kept alive.
  asio::awaitable<bool> serve(request_context& rc, relay_request& r);
  /// An upstream GET whose answer the endpoint renders itself (GET /v1/models): the same life as
  /// serve()'s calls - registered so that a shutdown ends it after the grace, cut when the client
  /// hangs up, under REQUEST_TIMEOUT, attempts and first byte reported - but no cache, no flight,
  /// no relay. A body past `limit` bytes is a failure.
  asio::awaitable<fetched> fetch(request_context& rc, std::string_view target, std::size_t limit);
  /// Answers a request refused before any upstream call with `reply`, its error in the endpoint's
  /// shape (relay_format::error_response), and logs `cause`.
  asio::awaitable<bool> reject(request_context& rc, std::string_view label, error cause, error_reply reply);

  /// Whether answers are cached (endpoints only compute keys then).
  bool caching() const { return deps_.store != nullptr; }
  const gateway_config& config() const { return deps_.cfg; }
  const logger& log() const { return deps_.log; }
  /// The upstream's description: the API paths endpoints ask for.
  const gateway::provider& provider() const { return deps_.caller.provider(); }

 private:
  struct call;
  asio::awaitable<bool> lead(call& c);
  asio::awaitable<bool> reply_json(call& c);
  asio::awaitable<bool> relay_stream(call& c);
  // relay_stream's steps between its waits (kept out of its coroutine frame).
  /// What a read or a wait brought, told to the machine; each returns its next action.
  static relay_action take_piece(relay_machine& m, std::string& out, std::string_view piece, const std::error_code& ec);
  static relay_action after_wait(relay_machine& m, std::string& out, const std::error_code& ec);
  /// Whether the client is owed a write before the next wait (the held-back head, a comment due).
  static bool client_owed(const call& c);
  void client_write_failed(call& c, relay_machine& m, relay_action& act,
                           const boost::system::error_code& wec);
  /// Settles a finished stream and logs it; false when its client's leaving ended it.
  bool stream_outcome(call& c, relay_machine& m, const relay_action& act);
  asio::awaitable<bool> reply_cached(call& c, const cached_answer& hit);
  asio::awaitable<bool> follow(call& c, flight_registry::ticket ticket, asio::steady_timer& wake);
  asio::awaitable<bool> reply_error(call& c, error cause, std::string message, unsigned upstream_status = 0);
  /// The stream's head, built and held back for its first write (http/downstream.hpp).
  void begin_stream(call& c);
  /// The stream's last bytes and its end in one write; whether the connection may be kept.
  asio::awaitable<bool> end_stream(call& c, const std::string& tail);
  asio::awaitable<bool> send_json(call& c, std::string body);
  /// What this client is sent of SSE bytes that every client of the answer shares: its own
  /// placeholders restored (`last`: the bytes end the stream, nothing may stay held back).
  static std::string_view client_bytes(call& c, std::string_view shared, bool last);
  // The upstream call's span (a recorded request's): its GenAI attributes, then how it went.
  void begin_upstream_phase(call& c) const;
  static void end_upstream_phase(call& c, const upstream_outcome& outcome);
  /// The answer's model, finish reason and token counts on the request's span.
  static void record_answer(request_spans& spans, const cached_answer& a);
  /// A finished upstream answer (nullopt: not replayable): stored when storable, handed to the followers.
  void settle(call& c, std::optional<cached_answer> answer);

  relay_deps deps_;
  downstream::settings client_;  // every answer's client side (http/downstream.hpp)
};

}  // namespace gateway
