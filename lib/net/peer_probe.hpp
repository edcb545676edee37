// What the peer of a connected socket has done, asked without waiting and without consuming a
// byte (recv with MSG_PEEK | MSG_DONTWAIT). Readiness alone cannot tell: epoll may report a socket
// readable with nothing to read, and "readable" also covers data of a pipelined request.
#pragma once

#include "net/asio_fwd.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace gateway {

enum class peer_state {
  quiet,     // connected, nothing pending
  has_data,  // bytes are waiting to be read
  closed,    // EOF, reset or the socket is not open
};

peer_state probe_peer(asio::ip::tcp::socket& socket) noexcept;

}  // namespace gateway
