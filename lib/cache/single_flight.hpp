// Request coalescing ("single flight"): while one request (the leader) is asking the upstream for
// the answer to a key, later requests for the same key (followers) attach to it instead of going
// upstream themselves. The leader publishes the stream as it arrives - each piece once, shared by
// pointer with every follower, so fan-out copies no bytes - and finally the complete answer or the
// error; followers read what is new whenever they are woken.
//
// No Asio here: waking a follower is a callback the follower supplies (it posts to its own strand),
// so this file is unit-tested without an io_context.
// Threading: thread-safe. Callbacks (wakers, the abandon action) run with no lock held.
#pragma once

#include "cache/response_cache.hpp"
#include "core/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace gateway {

/// How a flight failed, as every waiter must report it.
struct flight_failure {
  error code = error::upstream_closed;
  std::string message;
  std::string retry_after;  // passed on with 429
  unsigned upstream_status = 0;  // the upstream's own 4xx when it refused the request
};

class flight {
 public:
  using piece = std::shared_ptr<const std::string>;
  using callback = std::function<void()>;

  /// `format` names the bytes the leader publishes: 0 for none (followers only get the final
  /// answer), otherwise an endpoint's stream format (see piece_format); only followers wanting that
  /// very format can use the pieces.
  /// `origin`: the leader's note for its followers, opaque here (its trace context when its trace
  /// is recorded, which a follower's span links to); fixed at the start, so read without a lock.
  explicit flight(unsigned format, std::string origin = {}) : format_(format), origin_(std::move(origin)) {}

  /// True when the leader publishes pieces (a streamed upstream call).
  bool streamed() const { return format_ != 0; }
  unsigned format() const { return format_; }
  const std::string& origin() const { return origin_; }

  // ---- leader side ----
  /// Appends SSE bytes of new deltas and wakes the followers.
  void publish(piece p);
  /// Sets the final state once (later calls are ignored) and wakes the followers.
  void succeed(std::shared_ptr<const cached_answer> answer);
  void fail(flight_failure failure);
  bool settled() const;
  /// The leader's own client went away. Returns true when followers remain, so the upstream call
  /// must go on for them; false when nobody is left (the flight is then abandoned: no one joins it).
  bool leader_gone();
  /// What to run when the last follower leaves after the leader's client went away: cancel the
  /// upstream call. Called at most once.
  void on_abandoned(callback cancel);

  // ---- follower side ----
  struct update {
    std::vector<piece> pieces;  // published since `from` (only when asked for)
    std::shared_ptr<const cached_answer> answer;  // set once succeeded
    std::optional<flight_failure> failure;        // set once failed
  };
  update poll(std::size_t from, bool want_pieces) const;
  /// A follower is done (answered, timed out or gone); its waker is dropped. A waker copied by a
  /// publish just before may still run once after this returns, so it must own what it touches.
  void leave(std::uint64_t follower);

 private:
  friend class flight_registry;
  bool add_follower(std::uint64_t id, callback wake);  // false when settled or abandoned
  std::vector<callback> wakers_locked() const;

  const unsigned format_;
  const std::string origin_;
  mutable std::mutex mutex_;
  std::vector<piece> pieces_;
  std::shared_ptr<const cached_answer> answer_;
  std::optional<flight_failure> failure_;
  std::vector<std::pair<std::uint64_t, callback>> followers_;
  bool leader_gone_ = false;
  bool abandoned_ = false;
  callback cancel_;
};

/// The stream formats pieces are published in (an endpoint's SSE framing of deltas).
namespace piece_format {
inline constexpr unsigned none = 0;
inline constexpr unsigned chat_sse = 1;            // /chat's {"delta": ...} events
inline constexpr unsigned openai_chunks = 2;       // the upstream's chat.completion.chunk events
inline constexpr unsigned openai_chunks_usage = 3; // the same, asked with stream_options.include_usage
}  // namespace piece_format

struct flight_stats {
  std::uint64_t led = 0;        // upstream calls made on behalf of a flight
  std::uint64_t coalesced = 0;  // requests that joined a flight instead of calling upstream
  std::size_t in_flight = 0;    // keys being answered right now
};

class flight_registry {
 public:
  struct ticket {
    std::shared_ptr<flight> f;
    bool leader = false;
    std::uint64_t follower = 0;  // the follower's id, for flight::leave
  };

  /// Joins the flight for `key` as a follower (with `wake` called on every update), or, when none
  /// is open, starts one and returns it as leader. `format` and `origin` are the leader's (see
  /// flight::flight).
  ticket join(const cache_key& key, unsigned format, flight::callback wake, std::string origin = {});
  /// The leader is done with the key (after it stored the answer in the cache): later requests
  /// start a new flight. Idempotent.
  void close(const cache_key& key, const std::shared_ptr<flight>& f);

  flight_stats stats() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<cache_key, std::shared_ptr<flight>, cache_key_hash> open_;
  std::uint64_t next_id_ = 0;
  std::uint64_t led_ = 0, coalesced_ = 0;
};

}  // namespace gateway
