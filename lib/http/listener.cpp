#include "http/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gateway {

listener::listener(asio::io_context& ioc, const tcp::endpoint& endpoint, logger log, on_accept_fn on_accept,
                   bool one_thread)
    : ioc_(ioc), strand_(asio::make_strand(ioc)), acceptor_(strand_), one_thread_(one_thread), log_(std::move(log)),
      on_accept_(std::move(on_accept)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void listener::start() { asio::co_spawn(strand_, accept_loop(), asio::detached); }

void listener::stop() {
  asio::post(strand_, [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
  });
}

asio::awaitable<void> listener::accept_loop() {
  while (acceptor_.is_open()) {
    const asio::any_io_executor ex = one_thread_ ? asio::any_io_executor(ioc_.get_executor())
                                                : asio::any_io_executor(asio::make_strand(ioc_));
    auto [ec, socket] = co_await acceptor_.async_accept(ex, asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {
      // Out of file descriptors and similar: back off briefly instead of spinning.
      log_.warn("listener: accept failed: {}", ec.message());
      asio::steady_timer pause(strand_, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // every SSE event must leave at once
    on_accept_(std::move(socket));
  }
}

}  // namespace gateway
