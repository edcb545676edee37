#include "net/peer_probe.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace gateway {

peer_state probe_peer(asio::ip::tcp::socket& socket) noexcept {
  if (!socket.is_open()) return peer_state::closed;
  char byte;
  const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return peer_state::has_data;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return peer_state::quiet;
  return peer_state::closed;
}

}  // namespace gateway
