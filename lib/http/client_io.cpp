#include "http/client_io.hpp"

#include "http/sse_keepalive.hpp"
#include "net/peer_probe.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

namespace gateway {
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
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
                                                    const std::vector<net::const_buffer>& buffers,
                                                    std::chrono::milliseconds timeout, sse_keepalive* keepalive) {
  // With keep-alive comments running, their timer is this write's deadline too (no timer is set
  // and cancelled per write: see sse_keepalive.hpp); otherwise the stream's own per-operation one.
  if (keepalive)
    co_await keepalive->before_write();
  else
    client.expires_after(timeout);
  boost::system::error_code ec;
  if (chunked)
    std::tie(ec, std::ignore) = co_await net::async_write(client, http::make_chunk(buffers), tuple_awaitable);
  else
    std::tie(ec, std::ignore) = co_await net::async_write(client, buffers, tuple_awaitable);
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
