#include "http/client_watch.hpp"

#include "net/peer_probe.hpp"

#include <boost/asio/bind_executor.hpp>

namespace gateway {
namespace beast = boost::beast;

void watch_client(beast::tcp_stream& client, const std::shared_ptr<bool>& watching,
                  const asio::any_io_executor& strand, std::function<void()> on_gone) {
  *watching = true;
  auto on_readable = [&client, watching, strand, on_gone = std::move(on_gone)](boost::system::error_code ec) mutable {
    if (!*watching) return;  // the call is over: what on_gone refers to may be gone
    const auto peer = ec ? peer_state::closed : probe_peer(client.socket());
    if (peer == peer_state::quiet) return watch_client(client, watching, strand, std::move(on_gone));
    *watching = false;
    if (peer == peer_state::closed) on_gone();
  };
  client.socket().async_wait(asio::socket_base::wait_read, asio::bind_executor(strand, std::move(on_readable)));
}

void stop_watching(beast::tcp_stream& client, const std::shared_ptr<bool>& watching) {
  if (!*watching) return;
  *watching = false;
  boost::system::error_code ec;
  client.socket().cancel(ec);
}

}  // namespace gateway
