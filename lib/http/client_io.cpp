#include "http/client_io.hpp"

#include "http/sse_keepalive.hpp"
#include "net/peer_probe.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/container/small_vector.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

namespace gateway {
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
constexpr std::string_view crlf = "\r\n";
}

void watch_client(beast::tcp_stream& client, const std::shared_ptr<bool>& watching,
                  const net::any_io_executor& strand, std::function<void()> on_gone) {
  *watching = true;
  auto on_readable = [&client, watching, strand, on_gone = std::move(on_gone)](boost::system::error_code ec) mutable {
    if (!*watching) return;  // the call is over: what on_gone refers to may be gone
    const auto peer = ec ? peer_state::closed : probe_peer(client.socket());
    if (peer == peer_state::quiet) return watch_client(client, watching, strand, std::move(on_gone));
    *watching = false;
    if (peer == peer_state::closed) on_gone();
  };
  client.socket().async_wait(net::socket_base::wait_read, net::bind_executor(strand, std::move(on_readable)));
}

void stop_watching(beast::tcp_stream& client, const std::shared_ptr<bool>& watching) {
  if (!*watching) return;
  *watching = false;
  boost::system::error_code ec;
  client.socket().cancel(ec);
}

http::response<http::empty_body> sse_head(unsigned version, bool keep_alive) {
  const bool chunked = version >= 11;
  http::response<http::empty_body> head{http::status::ok, version};
  head.set(http::field::server, "chat-gateway");
  head.set(http::field::content_type, "text/event-stream; charset=utf-8");
  head.set(http::field::cache_control, "no-cache");
  head.set("x-accel-buffering", "no");  // tells nginx not to buffer even where proxy_buffering is on
  head.keep_alive(chunked && keep_alive);
  head.chunked(chunked);
  return head;
}

net::awaitable<bool> write_sse_head(beast::tcp_stream& client, http::response<http::empty_body>& head,
                                    std::chrono::milliseconds timeout) {
  http::response_serializer<http::empty_body> serializer{head};
  client.expires_after(timeout);
  auto [ec, n] = co_await http::async_write_header(client, serializer, tuple_awaitable);
  client.expires_never();
  co_return !ec;
}

net::awaitable<boost::system::error_code> write_sse(beast::tcp_stream& client, bool chunked,
                                                    std::span<const net::const_buffer> buffers,
                                                    std::chrono::milliseconds timeout, sse_keepalive* keepalive) {
  const std::size_t size = net::buffer_size(buffers);
  if (size == 0) co_return boost::system::error_code{};  // an empty chunk would end the body
  // The chunk framing goes around the caller's buffers (no copy); one writev sends it all.
  char chunk_size[sizeof(std::size_t) * 2 + 2];
  std::size_t head = 0;
  if (chunked) {
    const auto hex = fmt::format_to_n(chunk_size, sizeof chunk_size - 2, "{:x}", size);
    head = hex.size;
    chunk_size[head++] = '\r';
    chunk_size[head++] = '\n';
  }
  boost::container::small_vector<net::const_buffer, 8> framed;
  if (chunked) framed.push_back(net::buffer(chunk_size, head));
  framed.insert(framed.end(), buffers.begin(), buffers.end());
  if (chunked) framed.push_back(net::buffer(crlf));

  // Tried first without waiting: a client that keeps up takes the whole event at once, and the
  // write then needs no asynchronous operation, no timer and no trip through the strand (the
  // relay's profile, benchmark 9). Not while a keep-alive comment is being written: they take turns.
  beast::buffers_suffix<decltype(framed)> rest(framed);
  if (!keepalive || keepalive->idle()) {
    auto& socket = client.socket();
    boost::system::error_code ec;
    if (!socket.non_blocking()) socket.non_blocking(true, ec);
    std::size_t n = 0;
    if (!ec) n = socket.write_some(framed, ec);  // MSG_NOSIGNAL: a gone client is an error, not a signal
    if (ec && ec != net::error::would_block && ec != net::error::try_again) co_return ec;
    rest.consume(n);
    if (net::buffer_size(rest) == 0) {
      if (keepalive) keepalive->wrote();
      co_return boost::system::error_code{};
    }
  }
  // The rest waits for the client, under the write deadline. With keep-alive comments running,
  // their timer is this write's deadline too (no timer is set and cancelled per write: see
  // sse_keepalive.hpp); otherwise the stream's own per-operation one.
  if (keepalive)
    co_await keepalive->before_write();
  else
    client.expires_after(timeout);
  auto [ec, n] = co_await net::async_write(client, rest, tuple_awaitable);
  if (!keepalive)
    client.expires_never();
  else if (!keepalive->after_write())
    ec = beast::error::timeout;
  co_return ec;
}

net::awaitable<bool> end_sse(beast::tcp_stream& client, bool chunked, bool keep_alive,
                             std::chrono::milliseconds timeout) {
  if (!chunked) co_return false;  // HTTP/1.0: closing the connection ends the body
  client.expires_after(timeout);
  auto [ec, n] = co_await net::async_write(client, http::make_chunk_last(), tuple_awaitable);
  client.expires_never();
  co_return !ec && keep_alive;
}

}  // namespace gateway
