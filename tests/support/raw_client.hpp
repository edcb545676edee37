// A blocking TCP client for tests that must send what no HTTP library would (broken framing, slow
// drips, a client that never reads). It runs on the test thread, never on the io_context's threads,
// and every read has a 5 s receive timeout, so a gateway that hung fails a test instead of hanging it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <string>
#include <string_view>

namespace test {

class raw_client {
 public:
  /// `rcvbuf` > 0 shrinks the receive buffer before connecting, so that a client that stops
  /// reading fills the path quickly.
  explicit raw_client(unsigned short port, int rcvbuf = 0) {
    socket.open(boost::asio::ip::tcp::v4());
    if (rcvbuf > 0) ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    timeval tv{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void send(std::string_view bytes) { boost::asio::write(socket, boost::asio::buffer(bytes)); }
  void half_close() { socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send); }

  /// Everything until the peer closes the connection; `*closed` tells a close (EOF or reset)
  /// from 5 s of silence.
  std::string read_all(bool* closed = nullptr) {
    std::string out;
    char buf[4096];
    for (;;) {
      boost::system::error_code ec;
      const auto n = socket.read_some(boost::asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) {
        if (closed) *closed = ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
        return out;
      }
    }
  }

  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket{ioc};
};

}  // namespace test
