// The rules of one relayed upstream stream, as a state machine without I/O (in the manner of
// Boost.Redis's exec_fsm and Boost.MySQL: resume(event) -> action). The request pipeline's
// coroutine only reports what happened and performs the action it gets back: read the upstream
// now, wait for it, write what the client is owed before a wait, write the stream's bytes (to the
// followers and this client), or finish. This decides what each read means and what comes next:
//
// - pieces that are there at once are read before anything is written, up to coalesce_limit
//   bytes, so a stream that fell behind catches up in one write, not one per event;
// - before a wait, the bytes read go out; then what the client is owed (the held-back head, a
//   keep-alive comment that fell due: the downstream knows); only then the wait;
// - a stream is complete when [DONE] or a finish_reason arrived *and* the upstream response was
//   read to its end - so the upstream connection goes back to the pool, and nothing after [DONE]
//   counts;
// - an upstream error (an error event, a malformed chunk, an oversized event, a cut or a stalled
//   connection) fails the stream with one error event in the endpoint's format, secrets redacted;
// - the leader's client leaving while coalesced followers still read lets the stream go on for
//   them (nothing more is written to that client); with nobody left it fails as client_gone, and
//   the upstream call is dropped;
// - only a complete stream yields an answer that may be stored.
//
//   streaming --[DONE]--> draining --end--> complete
//       |  \--finish_reason + end----------> complete
//       \--error / end too early / client gone with no follower--> failed
//
// The endpoint's relay_format turns events into bytes. Pure: tested transition by transition and
// over every split point of an upstream byte stream.
#pragma once

#include "relay/relay_format.hpp"
#include "sse/sse_parser.hpp"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace gateway {

// ---- what happens (inputs) ----
struct upstream_bytes {
  std::string_view data;  // one upstream body read, cut anywhere
};
struct upstream_end {};   // the upstream's response body is complete
struct upstream_failed {
  error cause;            // a transport failure or a deadline while reading
};
struct client_left {
  bool followers_remain;  // coalesced requests still read this answer
  error cause = error::client_gone;  // client_gone or client_write_timeout
};
struct nothing_ready {
  bool client_owed;  // the client is owed a write before any wait (the head, a keep-alive comment)
};
struct wait_over {};  // the wait for the upstream ended: more may be there, or a comment fell due
struct written {};    // the write asked for went out
using relay_input =
    std::variant<upstream_bytes, upstream_end, upstream_failed, client_left, nothing_ready, wait_over, written>;

// ---- what to do (outputs) ----
struct relay_action {
  enum class kind {
    read,      // read the upstream now, without waiting (upstream_bytes, upstream_end, or nothing_ready)
    wait,      // wait for the upstream (then wait_over, or upstream_failed)
    owe,       // write what the client is owed before a wait (then written, or client_left)
    write,     // publish and write what was appended to `out` (then written, or client_left)
    complete,  // publish and write `out`, then write take_tail() (the end of the stream) and stop
    fail,      // publish and write `out`, then write take_tail() (the error event; empty: nothing) and stop
  };
  // Small and plain: one is made for every step of every stream. What a terminal action carries
  // besides its code (the tail, the message) stays in the machine.
  kind next = kind::read;
  error code = error::upstream_closed;  // fail only
};

class relay_machine {
 public:
  /// The most bytes read for one client write: past it they go out before more is read.
  static constexpr std::size_t coalesce_limit = 16 << 10;

  /// `redact` removes secrets from anything passed on from the upstream (error messages, events).
  relay_machine(relay_format& format, std::function<std::string(std::string)> redact);

  /// Advances on one input. Deltas for the client (and the followers) are appended to `out`, which
  /// the caller empties when it has written them. The first action is `read`. After a terminal
  /// action, further inputs change nothing but a client_left, which detaches.
  relay_action resume(const relay_input& input, std::string& out);

  /// Whether the client still gets the stream (false once it left, whether or not followers remain).
  bool client_attached() const { return attached_; }
  bool done() const { return state_ == state::complete || state_ == state::failed; }
  /// The complete stream's answer, once (nullopt before completion or when not replayable):
  /// collected from the format when asked, so a stream nobody stores collects nothing.
  std::optional<cached_answer> take_answer();
  /// After a terminal action, what the client gets last: the stream's end, or its error event
  /// (empty: nothing). For the client only (followers render their own end); given out once.
  std::string take_tail() { return std::move(tail_); }
  /// After `fail`: why, redacted.
  const std::string& message() const { return message_; }
  /// Upstream events relayed so far ([DONE] excluded).
  std::size_t events() const { return events_; }

 private:
  enum class state { streaming, draining, complete, failed };
  relay_action on(const upstream_bytes& in, std::string& out);
  relay_action on(const upstream_end&, std::string& out);
  relay_action on(const upstream_failed& in, std::string& out);
  relay_action on(const client_left& in, std::string& out);
  relay_action on(const nothing_ready& in, std::string& out);
  relay_action on(const wait_over&, std::string& out);
  relay_action on(const written&, std::string& out);
  relay_action fail(error code, std::string message, std::string event);
  relay_action terminal() const;

  relay_format& format_;
  std::function<std::string(std::string)> redact_;
  sse_parser parser_;
  state state_ = state::streaming;
  bool attached_ = true;
  std::size_t events_ = 0;
  bool answer_taken_ = false;
  error code_ = error::upstream_closed;
  std::string message_;
  std::string tail_;
};

}  // namespace gateway
