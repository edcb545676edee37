// One keep-alive connection to the upstream, plain TCP or TLS, with the read buffer that belongs to
// it. It carries no executor affinity of its own: whichever request leases it drives it from that
// request's strand (see upstream_pool).
#pragma once

#include "net/asio_fwd.hpp"
#include "tls/lean_tls_stream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <cstdint>
#include <variant>

namespace gateway {

struct upstream_connection {
  using tcp = asio::ip::tcp;
  using tls_stream = lean_tls_stream;  // no buffers of its own: see lean_tls_stream.hpp

  template <class... Args>
  explicit upstream_connection(std::uint64_t id_, Args&&... args) : id(id_), stream(std::forward<Args>(args)...) {
    // Beast reads at most the buffer's free capacity (512 bytes when empty): a stream that fell
    // behind would take one read per 512 bytes. 2 KiB drains a small backlog in one read and stays
    // small enough for 10,000 open streams.
    buffer.reserve(read_reserve);
  }
  static constexpr std::size_t read_reserve = 2048;

  /// Before a long wait: the read buffers go back (OpenSSL's ~17 KiB when it holds nothing; this
  /// one's 2 KiB down to the few bytes of a chunk's framing it may hold), so that a slow stream
  /// holds little more than its TLS session. The next read reserves read_reserve again.
  void release_buffers() {
    if (auto* tls = std::get_if<tls_stream>(&stream)) tls->release_buffers();
    buffer.shrink_to_fit();
  }

  /// Whether a read now would almost surely find nothing (its last read was short and nothing is
  /// buffered below this connection's buffer): the caller waits for readability instead of trying.
  /// readable() after that wait. See lean_tls_stream::drained.
  bool drained() const noexcept {
    if (const auto* tls = std::get_if<tls_stream>(&stream)) return tls->drained();
    return plain_drained;
  }
  void readable() noexcept {
    if (auto* tls = std::get_if<tls_stream>(&stream)) tls->readable();
    plain_drained = false;
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
  bool plain_drained = false;  // plain TCP: the last read was short (TLS: the stream knows)
};

}  // namespace gateway
