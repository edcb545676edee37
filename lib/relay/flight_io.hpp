// The Asio side of coalescing (cache/single_flight.hpp), used by the relay pipeline for every
// endpoint that caches: admission (the answer store's local tier, then joining or leading the key's
// flight) and the follower's loop that writes the leader's pieces to its own client as they come.
// Threading: strand-only (the request's strand); wake-ups from other strands are posted to it.
#pragma once

#include "cache/answer_store.hpp"
#include "cache/single_flight.hpp"
#include "http/downstream.hpp"
#include "net/asio_fwd.hpp"
#include "net/watchdog.hpp"
#include "trace/request_spans.hpp"

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace gateway {

/// The flight a request leads. However the request ends, the flight is settled (a failure is
/// ignored when it already succeeded) and closed, so no follower waits for a leader that is gone.
struct lead_guard {
  flight_registry* registry = nullptr;
  std::shared_ptr<flight> f;
  cache_key key{};
  explicit operator bool() const { return f != nullptr; }
  lead_guard() = default;
  lead_guard(const lead_guard&) = delete;
  lead_guard& operator=(const lead_guard&) = delete;
  ~lead_guard();
};

struct admission {
  std::shared_ptr<const cached_answer> hit;       // answer from the cache
  std::optional<flight_registry::ticket> follow;  // join this flight, woken through `wake`
  std::shared_ptr<asio::steady_timer> wake;
  const char* x_cache = "MISS";                   // HIT, MISS (this request leads) or COALESCED
};

/// What admit() needs of the request.
struct admission_request {
  const cache_key& key;
  unsigned format;                      // piece format this request would publish as leader
  asio::any_io_executor strand;
  std::shared_ptr<bool> alive;          // false once the request is over
  watchdog& wd;                         // triggered with client_gone when the flight is abandoned
  std::function<bool(const cached_answer&)> usable = {};  // a cached entry that cannot serve it is a miss
  // The request's spans when recorded: a flight it leads gets its context as origin, which its
  // followers' waits link to.
  const request_spans* spans = nullptr;
};

/// A hit in the store's local tier, a flight to follow, or - neither - `lead` is set and this
/// request answers the key (after asking a shared tier, if any).
admission admit(answer_store& store, flight_registry& flights, const admission_request& r, lead_guard& lead);

struct follow_io {
  downstream& down;                 // the follower's client: watched, and written when pieces come
  clock_type::time_point deadline;  // the follower's own REQUEST_TIMEOUT
  /// When set, the leader's pieces are written as this makes them (the follower's own personal
  /// data restored into them: relay_pipeline::client_bytes), appended to the string given.
  std::function<void(std::string_view, std::string&)> transform = {};
};

struct follow_result {
  flight::update last;  // the final state: answer, failure, or neither (deadline passed, client gone)
  bool gone = false;    // the client went away or a write failed
};

/// Waits on a flight as one of its followers until it is settled, the deadline passes or the
/// client leaves. With `want_pieces`, every published piece is written to the client as it comes
/// (`begin_stream` starts the stream before the first: io.down.streaming() then), with keep-alive
/// comments in silences. Leaves the flight before returning.
asio::awaitable<follow_result> follow_flight(const follow_io& io, flight_registry::ticket ticket,
                                             asio::steady_timer& wake, bool want_pieces,
                                             std::function<void()> begin_stream);

}  // namespace gateway
