#include "gateway/health_check.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace gateway {

bool check_health(const gateway_config& cfg, std::chrono::milliseconds deadline, std::string& why) {
  namespace asio = boost::asio;
  using tcp = asio::ip::tcp;
  // A wildcard listen address is reached on loopback.
  std::string host = cfg.host;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    why = "HOST is not an address: " + host;
    return false;
  }
  asio::io_context ioc;
  tcp::socket socket(ioc);
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  std::string response;
  std::array<char, 512> buffer{};
  bool done = false;
  socket.async_connect({address, cfg.port}, [&](boost::system::error_code cec) {
    if (cec) {
      why = "cannot connect: " + cec.message();
      return;
    }
    asio::async_write(socket, asio::buffer(request), [&](boost::system::error_code wec, std::size_t) {
      if (wec) {
        why = "cannot send: " + wec.message();
        return;
      }
      // The status line is all we need.
      socket.async_read_some(asio::buffer(buffer), [&](boost::system::error_code rec, std::size_t n) {
        if (rec) {
          why = "no answer: " + rec.message();
          return;
        }
        response.assign(buffer.data(), n);
        done = true;
      });
    });
  });
  // Every step shares one deadline; whatever is still pending then counts as unhealthy.
  ioc.run_for(deadline);
  if (!done) {
    if (why.empty()) why = "no answer within the deadline";
    return false;
  }
  if (!response.starts_with("HTTP/1.1 200") && !response.starts_with("HTTP/1.0 200")) {
    why = "answered: " + response.substr(0, response.find('\r'));
    return false;
  }
  return true;
}

}  // namespace gateway
