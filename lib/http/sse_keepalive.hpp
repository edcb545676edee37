// Keeps a Server-Sent Events response alive while the upstream is silent (queueing, long
// reasoning): after `interval` without a write, an SSE comment ": keep-alive" is written, so that
// proxies with a read timeout (nginx: 60 s) do not cut the stream. Clients ignore comments.
//
// The comment is written from a timer handler while the request's coroutine is waiting on the
// upstream, so the two writers take turns: the coroutine calls `before_write()` (waits for a
// comment still in flight) before each of its own writes and `after_write()` afterwards, and
// `finish()` before it returns (no write of ours may outlive the request).
//
// The same timer is the deadline of the coroutine's writes (CLIENT_WRITE_TIMEOUT): a write still
// pending then is cut by closing the connection, and after_write() reports it. Both clocks move
// with every write of a stream (thousands a second across streams), so a write only stores times;
// one timer wait stays pending and, waking early, waits again for whichever clock is due.
// Threading: strand-only: `strand` must be the strand the request's coroutine runs on.
#pragma once

#include "net/asio_fwd.hpp"

#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <memory>

namespace gateway {

class sse_keepalive {
 public:
  /// `chunked`: frame each comment as an HTTP/1.1 chunk.
  sse_keepalive(boost::beast::tcp_stream& client, asio::any_io_executor strand, bool chunked,
                std::chrono::milliseconds interval, std::chrono::milliseconds write_timeout);
  ~sse_keepalive();
  sse_keepalive(const sse_keepalive&) = delete;
  sse_keepalive& operator=(const sse_keepalive&) = delete;

  /// Starts the silence clock (call once the response head is written).
  void start();
  /// No comment is being written: the coroutine may write at once (then call wrote()).
  bool idle() const;
  /// The coroutine wrote without waiting (its write never needed the deadline).
  void wrote();
  asio::awaitable<void> before_write();
  /// Returns false when the write took longer than the write timeout (the connection is closed).
  bool after_write();
  /// Stops for good and waits until no comment write is in flight.
  asio::awaitable<void> finish();

  /// Comments written so far.
  std::uint64_t sent() const;

 private:
  struct state;
  static void ensure_waiting(const std::shared_ptr<state>& st);
  static void on_timer(const std::shared_ptr<state>& st);
  static void fire(const std::shared_ptr<state>& st);
  std::shared_ptr<state> state_;
};

}  // namespace gateway
