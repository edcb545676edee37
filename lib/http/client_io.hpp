// Client-side helpers shared by the endpoints that call the upstream on a client's behalf:
// noticing a client that went away while we wait on the upstream, and writing SSE responses.
// Threading: strand-only (the client connection's strand).
#pragma once

#include "net/asio_fwd.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/container/small_vector.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace gateway {

class sse_keepalive;

/// While the answer is being produced, a readiness wait on the client socket notices a client that
/// closed its connection and calls `on_gone` on the strand, so that the upstream call is cut at once
/// (no tokens are paid for nobody). Readiness is only a hint: a peek tells EOF from a spurious wake-up
/// (wait again) and from bytes of a pipelined next request (then the watch ends, and a disconnect is
/// noticed at the next write instead). `*watching` is true while the watch is on.
void watch_client(boost::beast::tcp_stream& client, const std::shared_ptr<bool>& watching,
                  const asio::any_io_executor& strand, std::function<void()> on_gone);
/// Ends the watch (cancels the readiness wait). Call before the request's state goes away.
void stop_watching(boost::beast::tcp_stream& client, const std::shared_ptr<bool>& watching);

/// watch_client() for a scope: the watch ends (at the latest) when the scope is left, however it is
/// left, so `on_gone` never runs after what it refers to is gone. stop() ends it earlier - before a
/// write that must not be cancelled, since ending a watch cancels the socket's pending operations.
class client_watch {
 public:
  client_watch(boost::beast::tcp_stream& client, const asio::any_io_executor& strand, std::function<void()> on_gone)
      : client_(client), watching_(std::make_shared<bool>(false)) {
    watch_client(client_, watching_, strand, std::move(on_gone));
  }
  ~client_watch() { stop(); }
  client_watch(const client_watch&) = delete;
  client_watch& operator=(const client_watch&) = delete;
  void stop() { stop_watching(client_, watching_); }

 private:
  boost::beast::tcp_stream& client_;
  std::shared_ptr<bool> watching_;
};

/// Writes an SSE response's head (http/reply_head.hpp's append_sse_head); false when the client is
/// gone. Tried at once, like the events after it, before anything waits.
asio::awaitable<bool> write_sse_head(boost::beast::tcp_stream& client, std::string_view head,
                                     std::chrono::milliseconds timeout);
/// One SSE write in two steps: what the client takes at once, without waiting (`now`), then the
/// rest (`rest`, bounded by the write timeout). One HTTP chunk (HTTP/1.1) or raw bytes (HTTP/1.0),
/// framed around the caller's buffers, which must outlive it; nothing for empty buffers.
/// With `keepalive`, the write takes its turn with the keep-alive comments (see sse_keepalive.hpp).
/// With `last` (chunked only), the terminating chunk follows the bytes in the same write; with
/// `head`, the response's head (raw bytes) goes before them - a stream's head with its first event.
class sse_write {
 public:
  sse_write(bool chunked, std::span<const asio::const_buffer> buffers, bool last = false, std::string_view head = {});
  sse_write(const sse_write&) = delete;  // framed_ points into chunk_size_
  sse_write& operator=(const sse_write&) = delete;
  /// True when the write is over: all of it written, or failed (`ec`, the client is gone).
  bool now(boost::beast::tcp_stream& client, sse_keepalive* keepalive, boost::system::error_code& ec);
  asio::awaitable<boost::system::error_code> rest(boost::beast::tcp_stream& client, std::chrono::milliseconds timeout,
                                                  sse_keepalive* keepalive);

 private:
  boost::beast::buffers_suffix<std::span<const asio::const_buffer>> remaining() const;
  char chunk_size_[sizeof(std::size_t) * 2 + 2];  // the chunk's size line, hex and CRLF
  boost::container::small_vector<asio::const_buffer, 8> framed_;  // size line, the bytes, CRLF
  std::size_t written_ = 0, left_ = 0;
};
/// Both steps of an sse_write, for writers off the hot path.
asio::awaitable<boost::system::error_code> write_sse(boost::beast::tcp_stream& client, bool chunked,
                                                     std::span<const asio::const_buffer> buffers,
                                                     std::chrono::milliseconds timeout,
                                                     sse_keepalive* keepalive = nullptr);
/// The stream's last bytes and its terminating chunk (HTTP/1.1), in one write: a stream's end costs
/// one system call, not two. HTTP/1.0 gets the bytes alone (closing the connection ends the body).
/// Not while keep-alive comments run: finish them first.
/// `head`: the response's head, when it has not gone out yet (a stream replayed whole).
asio::awaitable<boost::system::error_code> end_sse(boost::beast::tcp_stream& client, bool chunked,
                                                   std::span<const asio::const_buffer> tail,
                                                   std::chrono::milliseconds timeout, std::string_view head = {});

}  // namespace gateway
