// A blocking TCP client for tests that must send what no HTTP library would (broken framing, slow
// drips, a client that never reads). It runs on the test thread, never on the io_context's threads,
// and every read has a 5 s receive timeout, so a gateway that hung fails a test instead of hanging it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <string>
#include <string_view>

namespace test {

class raw_client {
 public:
  /// `rcvbuf` > 0 shrinks the receive buffer before connecting, so that a client that stops
  /// reading fills the path quickly.
  /// `source`: the local address to connect from (any 127.x.y.z works on loopback), so a test can
  /// be two clients to the gateway's per-address caps.
  explicit raw_client(unsigned short port, int rcvbuf = 0, const char* source = nullptr) {
    socket.open(boost::asio::ip::tcp::v4());
    if (rcvbuf > 0) ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (source) socket.bind({boost::asio::ip::make_address(source), 0});
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

  /// One response with a Content-Length body (no chunked one), the connection kept: "" when the
  /// peer closed or stayed silent 5 s before it was whole.
  std::string read_response() {
    char buf[4096];
    for (;;) {
      if (const auto end = pending_.find("\r\n\r\n"); end != std::string::npos) {
        std::size_t length = 0;
        const auto head = pending_.substr(0, end + 2);
        for (std::size_t at = 0; (at = head.find("\r\n", at)) != std::string::npos; at += 2) {
          const auto line = head.substr(at + 2, head.find("\r\n", at + 2) - at - 2);
          if (line.size() > 15 && strncasecmp(line.c_str(), "content-length:", 15) == 0)
            length = std::stoul(line.substr(15));
        }
        if (pending_.size() >= end + 4 + length) {
          auto out = pending_.substr(0, end + 4 + length);
          pending_.erase(0, end + 4 + length);
          return out;
        }
      }
      boost::system::error_code ec;
      const auto n = socket.read_some(boost::asio::buffer(buf), ec);
      if (ec) return {};
      pending_.append(buf, n);
    }
  }

  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket{ioc};

 private:
  std::string pending_;  // bytes read past the last response
};

}  // namespace test
