// Accepts TCP connections and hands each one, already bound to a strand of its own, to a callback.
// Knows nothing about HTTP. Threading: start() and stop() may be called from any thread.
#pragma once

#include "core/logger.hpp"
#include "net/asio_fwd.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <functional>

namespace gateway {

class listener {
 public:
  using tcp = asio::ip::tcp;
  /// Receives a connected socket whose executor is a new strand (or the io_context's, see below).
  using on_accept_fn = std::function<void(tcp::socket)>;

  /// Binds and listens at once (so the port is known and errors surface at start-up).
  /// Throws boost::system::system_error when the address cannot be bound.
  /// `one_thread`: the io_context is run by exactly one thread, which makes it a strand already:
  /// connections then get its executor, without the lock and queue a strand adds to every handler
  /// (benchmark 9: THREADS=1).
  listener(asio::io_context& ioc, const tcp::endpoint& endpoint, logger log, on_accept_fn on_accept,
           bool one_thread = false);

  void start();
  /// Stops accepting; connections already accepted are not touched.
  void stop();
  unsigned short port() const { return port_; }

 private:
  asio::awaitable<void> accept_loop();

  asio::io_context& ioc_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;  // strand-only
  unsigned short port_ = 0;
  bool one_thread_;
  logger log_;
  on_accept_fn on_accept_;
};

}  // namespace gateway
