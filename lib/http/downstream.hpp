// The client side of one answer the relay produces, and its only writer. It owns:
// - the client watch: a client that closes its connection while the answer is being produced is
//   noticed at once (http/client_watch.hpp), for JSON answers and streams alike;
// - for a Server-Sent Events stream, everything the client is sent:
//   - the response head, held back so that the first write carries it (with the first event when
//     that is there already: one write less per stream);
//   - the framing: one HTTP/1.1 chunk per write, or raw bytes ended by close for HTTP/1.0;
//   - each write in two steps, "try now, wait later": what the client takes at once, without an
//     asynchronous operation, then the rest under CLIENT_WRITE_TIMEOUT;
//   - keep-alive comments (": keep-alive") after SSE_KEEPALIVE_INTERVAL without a write, so that
//     proxies with a read timeout (nginx: 60 s) do not cut a silent stream.
//
// One writer: the stream's coroutine. The keep-alive clock writes nothing itself; when a comment
// falls due it wakes the coroutine from whatever that waits on (the upstream, a flight: the `wake`
// given to keep_alive()), and the coroutine writes the comment between two events. So a comment
// never interleaves with an event, and no write outlives the request. The leader of a question and
// its coalesced followers use it alike (relay/pipeline.cpp, relay/flight_io.cpp).
//
// Threading: strand-only: `strand` must be the strand the request's coroutine runs on.
#pragma once

#include "http/client_watch.hpp"
#include "net/asio_fwd.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gateway {

class downstream {
 public:
  struct settings {
    std::chrono::milliseconds write_timeout;       // CLIENT_WRITE_TIMEOUT
    std::chrono::milliseconds keepalive_interval;  // SSE_KEEPALIVE_INTERVAL
  };
  /// `strand` is kept by reference (a request holds its downstream in its coroutine frame, which
  /// must stay small): it must outlive the downstream.
  downstream(boost::beast::tcp_stream& client, const asio::any_io_executor& strand);
  ~downstream();
  downstream(const downstream&) = delete;
  downstream& operator=(const downstream&) = delete;

  // ---- the client watch ------------------------------------------------------------------------
  /// `on_gone` runs on the strand when the client closes its connection, until stop_watching().
  void watch(std::function<void()> on_gone);
  /// Ends the watch. Ending it cancels the socket's pending operations: never during a write.
  void stop_watching();

  // ---- a stream --------------------------------------------------------------------------------
  /// Starts a stream: `head` (http/reply_head.hpp's append_sse_head) is held back for the first
  /// write; `chunked` frames each write as an HTTP/1.1 chunk. Once per answer.
  void begin_stream(std::string head, bool chunked, const settings& s);
  bool streaming() const { return stream_ != nullptr; }
  bool head_pending() const;
  bool chunked() const;

  /// From now on, when SSE_KEEPALIVE_INTERVAL passes without a write, keepalive_due() turns true
  /// and `wake` runs on the strand (it ends the coroutine's wait: reply_source::interrupt, a
  /// timer's cancel), so that the coroutine writes the comment (write_keepalive).
  void keep_alive(std::function<void()> wake);
  /// No more comments (the stream ends, or its client is gone).
  void stop_keep_alive();
  bool keepalive_due() const;

  /// Try now: writes what the client takes at once of `bytes`, as one chunk (after the head when
  /// it is still held; nothing for empty bytes and no head). True when the write is over: all of it
  /// written, or failed (`ec`: the client is gone). The buffers must outlive the write.
  bool try_write(std::span<const asio::const_buffer> bytes, boost::system::error_code& ec);
  /// Wait later: the rest of the write try_write() began, under CLIENT_WRITE_TIMEOUT
  /// (beast::error::timeout when it passes: the connection is closed).
  asio::awaitable<boost::system::error_code> write_rest();
  /// Both steps of a write.
  asio::awaitable<boost::system::error_code> write(std::span<const asio::const_buffer> bytes);
  asio::awaitable<boost::system::error_code> write(std::string_view bytes);
  /// A keep-alive comment, both steps.
  asio::awaitable<boost::system::error_code> write_keepalive();
  /// The stream's last bytes and its terminating chunk (HTTP/1.1; HTTP/1.0 gets the bytes alone,
  /// closing the connection ends the body), after the head when it is still held: one write.
  asio::awaitable<boost::system::error_code> end(std::string_view tail);

  /// The body's bytes written so far, unframed: events and comments (the access log's `bytes`).
  std::uint64_t bytes() const;

 private:
  struct stream_state;  // made by begin_stream(): an answer that is no stream holds none
  void frame(std::span<const asio::const_buffer> bytes, bool last);
  bool send_now(boost::system::error_code& ec);
  void wrote();

  boost::beast::tcp_stream& client_;
  const asio::any_io_executor& strand_;
  std::shared_ptr<bool> watching_;  // the client watch (http/client_watch.hpp); null before the first
  std::unique_ptr<stream_state> stream_;
};

}  // namespace gateway
