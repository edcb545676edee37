// One keep-alive connection to the upstream, plain TCP or TLS, with the read buffer that belongs to
// it. It carries no executor affinity of its own: whichever request leases it drives it from that
// request's strand (see upstream_pool).
#pragma once

#include "net/asio_fwd.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <cstdint>
#include <variant>

namespace gateway {

struct upstream_connection {
  using tcp = net::ip::tcp;
  using tls_stream = net::ssl::stream<tcp::socket>;

  template <class... Args>
  explicit upstream_connection(std::uint64_t id_, Args&&... args) : id(id_), stream(std::forward<Args>(args)...) {
    // Beast reads at most the buffer's free capacity (512 bytes when empty): a stream that fell
    // behind would take one read per 512 bytes. 4 KiB drains a backlog in one read.
    buffer.reserve(4096);
  }

  tcp::socket& socket() {
    return std::visit([](auto& s) -> tcp::socket& {
      if constexpr (std::is_same_v<std::decay_t<decltype(s)>, tcp::socket>) return s;
      else return s.next_layer();
    }, stream);
  }
  void close() noexcept {
    boost::system::error_code ec;
    socket().close(ec);
  }

  std::uint64_t id;
  std::variant<tcp::socket, tls_stream> stream;
  boost::beast::flat_buffer buffer;
  clock_type::time_point idle_since{};
  std::uint32_t requests = 0;  // responses read on this connection so far
};

}  // namespace gateway
