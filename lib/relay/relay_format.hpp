// The per-endpoint half of the request pipeline (a strategy): how one endpoint reads the
// upstream's stream events and encodes what its clients get - a delta, the end of a stream, an
// error before or inside a stream, a JSON body, and the replay of a finished answer as JSON or as a
// stream. /chat writes its own events (chat/chat_format.hpp); /v1 passes the upstream's chunks
// through (openai/openai_format.hpp). The relay owns when each is used; a format owns the bytes.
// One object per request: a format keeps what it collects of a live answer.
#pragma once

#include "cache/response_cache.hpp"
#include "core/error.hpp"
#include "sse/sse_parser.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace gateway {

/// What a format made of one upstream event.
struct event_verdict {
  bool failed = false;
  error code = error::upstream_error_event;
  std::string message;  // why, for logs and the error event (redacted by the relay)
  std::string event;    // the upstream's own error event to pass on as it came; empty: the format renders one
};

/// A reply that has not started: status and body in the endpoint's error shape.
struct error_reply {
  unsigned status = 500;
  std::string body;
};

/// The upstream's non-streaming answer as the endpoint sees it.
struct json_outcome {
  std::optional<std::string> body;      // what the client gets; nullopt: the upstream's body was unreadable
  std::optional<cached_answer> answer;  // what may be stored and shared; nullopt: not replayable
};

class relay_format {
 public:
  virtual ~relay_format() = default;

  /// The format of the live pieces a leader publishes (piece_format::none for a JSON request):
  /// only followers asking for the very same format can use them.
  virtual unsigned piece_format() const = 0;

  // ---- a live stream ----
  /// Reads one upstream event ([DONE] never comes here) and appends what the client gets to `out`.
  virtual event_verdict on_event(const sse_event& e, std::string& out) = 0;
  /// A finish_reason arrived (with the upstream's end, that completes a stream even without [DONE]).
  virtual bool finished() const = 0;
  /// The bytes that end a complete live stream.
  virtual std::string stream_end() = 0;
  /// The answer of a complete live stream; nullopt when it cannot be replayed.
  virtual std::optional<cached_answer> collected() = 0;
  /// The last event of a stream that failed after it started.
  virtual std::string stream_error(error code, std::string_view message) const = 0;
  /// The JSON member whose string is the answer's text in this format's events (where a client's
  /// placeholders are restored: pii_event_restorer).
  virtual std::string_view text_member() const { return "content"; }

  // ---- a JSON answer ----
  /// `want_answer`: the answer is needed (it may be cached or shared); otherwise skip collecting it.
  virtual json_outcome from_upstream_json(std::string body, bool want_answer) = 0;

  // ---- replies that have not started ----
  /// `upstream_status`: the upstream's own status when it refused the request, else 0.
  virtual error_reply error_response(error cause, std::string message, unsigned upstream_status) const = 0;

  // ---- finished answers (cache hits, coalesced followers) ----
  /// Whether a stored answer can serve this request at all (a miss otherwise).
  virtual bool can_replay(const cached_answer&) const { return true; }
  virtual std::string json_replay(const cached_answer& a, bool from_cache) const = 0;
  virtual std::string stream_replay(const cached_answer& a, bool from_cache) const = 0;
  /// What ends the stream of a follower that got every live piece of a leader of its format.
  virtual std::string follower_end(const cached_answer& a) const = 0;
  /// The JSON body of a cache hit, rendered once when the answer is stored.
  virtual std::string hit_body(const cached_answer& a) const = 0;
};

/// The last event of an OpenAI-style stream (both endpoints end their streams with it).
inline constexpr std::string_view sse_done_marker = "data: [DONE]\n\n";

/// Only complete answers are stored: errors, cut streams and other finish reasons never are.
inline bool storable(const cached_answer& a) { return a.finish_reason == "stop" || a.finish_reason == "length"; }

}  // namespace gateway
