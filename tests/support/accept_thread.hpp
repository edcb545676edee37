// A blocking accept loop on its own thread, on 127.0.0.1 and a free port: for tests that need a
// peer misbehaving in ways groq-sim does not. Each accepted socket goes to `on_connection`, on the
// accept thread. The sockets belong to the caller's io_context, which must outlive them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <functional>
#include <thread>
#include <utility>

namespace test {

class accept_thread {
 public:
  using tcp = boost::asio::ip::tcp;

  accept_thread(boost::asio::io_context& ioc, std::function<void(tcp::socket)> on_connection)
      : ioc_(ioc), acceptor_(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        port_(acceptor_.local_endpoint().port()), on_connection_(std::move(on_connection)) {
    thread_ = std::thread([this] {
      for (;;) {
        tcp::socket s(ioc_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec || stop_) return;
        on_connection_(std::move(s));
      }
    });
  }
  ~accept_thread() { stop(); }
  accept_thread(const accept_thread&) = delete;
  accept_thread& operator=(const accept_thread&) = delete;

  unsigned short port() const { return port_; }

  /// Ends the loop and waits for it: no connection is handed over after this returns.
  void stop() {
    if (stop_.exchange(true)) return;
    // Wake the blocking accept() with one last connection (closing the acceptor from this thread
    // would race with the accept thread).
    boost::asio::io_context wake_ioc;
    tcp::socket wake(wake_ioc);
    boost::system::error_code ec;
    wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }

 private:
  boost::asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_;
  std::function<void(tcp::socket)> on_connection_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace test
