#include "http/client_io.hpp"

#include "core/text.hpp"
#include "http/sse_keepalive.hpp"
#include "net/peer_probe.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>

namespace gateway {
namespace beast = boost::beast;

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";  // no trailers
constexpr std::string_view crlf_last_chunk = "\r\n0\r\n\r\n";  // a chunk's end, then the last chunk

// Both steps of a framed write: what the client takes at once, then the rest under the deadline.
asio::awaitable<boost::system::error_code> write_both_steps(sse_write& w, beast::tcp_stream& client,
                                                            std::chrono::milliseconds timeout,
                                                            sse_keepalive* keepalive) {
  boost::system::error_code ec;
  if (w.now(client, keepalive, ec)) co_return ec;
  co_return co_await w.rest(client, timeout, keepalive);
}
}

void watch_client(beast::tcp_stream& client, const std::shared_ptr<bool>& watching,
                  const asio::any_io_executor& strand, std::function<void()> on_gone) {
  *watching = true;
  auto on_readable = [&client, watching, strand, on_gone = std::move(on_gone)](boost::system::error_code ec) mutable {
    if (!*watching) return;  // the call is over: what on_gone refers to may be gone
    const auto peer = ec ? peer_state::closed : probe_peer(client.socket());
    if (peer == peer_state::quiet) return watch_client(client, watching, strand, std::move(on_gone));
    *watching = false;
    if (peer == peer_state::closed) on_gone();
  };
  client.socket().async_wait(asio::socket_base::wait_read, asio::bind_executor(strand, std::move(on_readable)));
}

void stop_watching(beast::tcp_stream& client, const std::shared_ptr<bool>& watching) {
  if (!*watching) return;
  *watching = false;
  boost::system::error_code ec;
  client.socket().cancel(ec);
}

asio::awaitable<bool> write_sse_head(beast::tcp_stream& client, std::string_view head,
                                     std::chrono::milliseconds timeout) {
  const asio::const_buffer buffer = asio::buffer(head);
  // Raw bytes: the head is no chunk.
  co_return !co_await write_sse(client, false, std::span<const asio::const_buffer>(&buffer, 1), timeout);
}

sse_write::sse_write(bool chunked, std::span<const asio::const_buffer> buffers, bool last, std::string_view head) {
  last = last && chunked;
  if (!head.empty()) framed_.push_back(asio::buffer(head));
  const std::size_t size = asio::buffer_size(buffers);
  if (size == 0) {  // no chunk (an empty one would end the body): the head and the end alone, if asked
    if (last) framed_.push_back(asio::buffer(last_chunk));
    left_ = asio::buffer_size(framed_);
    return;
  }
  // The chunk framing goes around the caller's buffers (no copy); one writev sends it all.
  if (chunked) {
    // The size in hex, written backwards from the end of chunk_size_ (no formatting library call
    // per event), then CRLF.
    char* end = chunk_size_ + sizeof chunk_size_;
    end[-2] = '\r';
    end[-1] = '\n';
    char* p = write_hex_backwards(end - 2, size);
    framed_.push_back(asio::buffer(p, static_cast<std::size_t>(end - p)));
  }
  framed_.insert(framed_.end(), buffers.begin(), buffers.end());
  if (chunked) framed_.push_back(asio::buffer(last ? crlf_last_chunk : crlf));
  left_ = asio::buffer_size(framed_);
}

beast::buffers_suffix<std::span<const asio::const_buffer>> sse_write::remaining() const {
  beast::buffers_suffix<std::span<const asio::const_buffer>> rest{std::span<const asio::const_buffer>(framed_)};
  rest.consume(written_);
  return rest;
}

bool sse_write::now(beast::tcp_stream& client, sse_keepalive* keepalive, boost::system::error_code& ec) {
  ec = {};
  if (left_ == 0) return true;
  // A client that keeps up takes the whole event at once: no asynchronous operation, no timer, no
  // trip through the strand (the relay's profile, benchmark 9). Not while a keep-alive comment is
  // being written: the two take turns.
  if (keepalive && !keepalive->idle()) return false;
  auto& socket = client.socket();
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  std::size_t n = 0;
  if (!ec) {
    n = socket.write_some(remaining(), ec);  // Asio sends with MSG_NOSIGNAL: a gone client is an error
  }
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (ec) return true;
  written_ += n;
  left_ -= n;
  if (left_ > 0) return false;
  if (keepalive) keepalive->wrote();
  return true;
}

asio::awaitable<boost::system::error_code> sse_write::rest(beast::tcp_stream& client, std::chrono::milliseconds timeout,
                                                         sse_keepalive* keepalive) {
  if (left_ == 0) co_return boost::system::error_code{};
  // The rest waits for the client, under the write deadline. With keep-alive comments running,
  // their timer is this write's deadline too (no timer is set and cancelled per write: see
  // sse_keepalive.hpp); otherwise the stream's own per-operation one.
  if (keepalive)
    co_await keepalive->before_write();
  else
    client.expires_after(timeout);
  auto [ec, n] = co_await asio::async_write(client, remaining(), tuple_awaitable);
  written_ += n;
  left_ -= n;
  if (!keepalive)
    client.expires_never();
  else if (!keepalive->after_write())
    ec = beast::error::timeout;
  co_return ec;
}

asio::awaitable<boost::system::error_code> write_sse(beast::tcp_stream& client, bool chunked,
                                                     std::span<const asio::const_buffer> buffers,
                                                     std::chrono::milliseconds timeout, sse_keepalive* keepalive) {
  sse_write w(chunked, buffers);
  co_return co_await write_both_steps(w, client, timeout, keepalive);
}

asio::awaitable<boost::system::error_code> end_sse(beast::tcp_stream& client, bool chunked,
                                                   std::span<const asio::const_buffer> tail,
                                                   std::chrono::milliseconds timeout, std::string_view head) {
  sse_write w(chunked, tail, true, head);
  co_return co_await write_both_steps(w, client, timeout, nullptr);
}

}  // namespace gateway
