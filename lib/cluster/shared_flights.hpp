// Coalescing across instances, live streams included. The first instance to ask the upstream a
// question takes the question's lock in Redis (SET cgw:{KEY}:lock NX PX, kept by a heartbeat while
// its call runs) and copies the upstream's raw response body into a Redis Stream (cgw:{KEY}:s, XADD
// with MAXLEN, expiring) as it reads it. An instance that finds the lock taken reads that stream
// instead of calling the upstream (stream_reader) and gives it to the relay as the upstream's
// reply (reply_source) - so the formats, the finish and error rules and the instance's own local
// followers are those of any upstream reply. A leader that dies stops its heartbeat: the lock
// expires, and its followers end with an error within leader_timeout of its last sign of life.
// The lock's value is "INSTANCE|MODE", or "INSTANCE|CONTEXT|MODE" when the leader's trace is
// recorded (its server span's context, traceparent's form): a follower's claim span links to it.
// Stream entries: h (the upstream answered 200), n and d (a body piece's number, 0 up, and its
// bytes), e (body complete: the number of pieces), f (failed: "CODE\nUPSTREAM_STATUS\nRETRY_AFTER\n
// MESSAGE"). The numbers let a follower see a piece the leader's Redis connection lost
// (piece_sequence.hpp): it fails rather than serve or store a shortened answer; a leader that
// knows it lost one ends the stream with f instead of an e that would claim it whole.
// Threading: thread-safe; a publisher and a remote source belong to one request's strand.
#pragma once

#include "cache/response_cache.hpp"
#include "cluster/stream_reader.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"
#include "net/watchdog.hpp"
#include "redis/redis_client.hpp"
#include "transport/reply_source.hpp"
#include "trace/request_spans.hpp"
#include "transport/upstream_client.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gateway::cluster {

struct shared_flight_settings {
  std::chrono::milliseconds lock_ttl{3'000};
  std::chrono::milliseconds heartbeat{1'000};
  std::chrono::milliseconds leader_timeout{3'000};  // a follower's silence before it checks the lock
  std::chrono::milliseconds stream_ttl{60'000};
  std::size_t stream_maxlen = 100'000;
};

struct remote_failure {
  error code = error::upstream_closed;
  std::string retry_after;
  std::string message;
  unsigned upstream_status = 0;  // the upstream's own 4xx when it refused the request
};

/// The leading instance's side of one question, while its call runs.
class flight_publisher {
 public:
  flight_publisher(std::shared_ptr<redis::redis_client> redis, std::string prefix, asio::any_io_executor strand,
                   shared_flight_settings s);
  ~flight_publisher();  // an unfinished flight is published as failed (the request ended without it)
  flight_publisher(const flight_publisher&) = delete;
  flight_publisher& operator=(const flight_publisher&) = delete;

  /// The upstream answered 200: its body follows.
  void head();
  void fail(const remote_failure& f);
  /// The upstream's body, published as it is read.
  std::unique_ptr<reply_source> tee(std::unique_ptr<reply_source> body);

 private:
  friend class teeing_source;
  void piece(std::string_view bytes);
  void whole(std::string_view body);  // a JSON reply: the body and its end in one entry
  void end();
  void finish();
  std::vector<std::string> xadd(std::vector<std::string> fields);
  void add(std::vector<std::string> fields, std::vector<std::string> if_broken = {});

  std::shared_ptr<redis::redis_client> redis_;
  std::string prefix_;
  shared_flight_settings settings_;
  struct beat;
  std::shared_ptr<beat> beat_;  // the heartbeat, shared with its coroutine
  bool finished_ = false;
  bool head_pending_ = false;  // head() came; it goes out with the next entry
  bool expiring_ = false;      // the stream's PEXPIRE is sent
  std::uint64_t pieces_ = 0;   // body pieces sent: the next one's number
  std::shared_ptr<redis::send_chain> chain_ = std::make_shared<redis::send_chain>();  // the XADDs
};

/// What an instance does about a question it would ask the upstream.
struct flight_claim {
  std::shared_ptr<const cached_answer> hit;  // the answer is in the shared tier already
  std::unique_ptr<flight_publisher> lead;  // ask the upstream, publishing (this instance leads)
  std::unique_ptr<reply_source> follow;    // read another instance's copy instead
  std::optional<remote_failure> failure;   // with follow: the leader's call failed before a 200
  // Neither: ask the upstream alone (no Redis, or the leader asks in the other mode).
};

struct shared_flight_stats {
  std::uint64_t led = 0, followed = 0, leaders_lost = 0;
  std::uint64_t stream_gaps = 0;  // followed streams seen missing a piece (failed, not stored)
};

class shared_flights {
 public:
  /// `blocking` is a connection of its own for XREAD BLOCK.
  shared_flights(std::shared_ptr<redis::redis_client> redis, std::shared_ptr<redis::redis_client> blocking,
                 asio::any_io_executor ex, std::string instance, shared_flight_settings settings = {});
  void start();
  void stop();

  /// One round trip (a Lua script over the question's keys): the stored answer if there is one,
  /// else the question's lock - taken (lead), or held by another instance (follow, waiting under
  /// the watchdog and `deadlines` for the leader's head or failure), or neither (ask alone).
  /// `spans`: the request's when its trace is recorded. Its context then goes into the lock's value
  /// for the other instances' followers; following, its span `span` links to the leader's request.
  asio::awaitable<flight_claim> claim(const cache_key& key, bool stream, asio::any_io_executor strand, watchdog& wd,
                                      request_deadlines deadlines, request_spans* spans = nullptr,
                                      request_spans::ref span = request_spans::none);

  shared_flight_stats stats() const;

 private:
  friend class remote_source;
  std::shared_ptr<redis::redis_client> redis_;
  std::shared_ptr<redis::redis_client> blocking_;
  std::shared_ptr<stream_reader> reader_;
  std::string instance_;
  shared_flight_settings settings_;
  std::atomic<std::uint64_t> led_{0}, followed_{0}, leaders_lost_{0}, stream_gaps_{0};
};

}  // namespace gateway::cluster
