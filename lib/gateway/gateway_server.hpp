// The gateway as an object: the route table and its router, the relay pipeline and the endpoints,
// the upstream client and its pool, wired from one gateway_config onto one io_context. main() and
// the integration tests both use it.
// Threading: construct, start() and stop() from any thread; the caller runs the io_context.
#pragma once

#include "cache/single_flight.hpp"
#include "config/gateway_config.hpp"
#include "core/logger.hpp"

#include "net/asio_fwd.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>

namespace gateway {

class gateway_server {
 public:
  /// Binds the listening socket and loads TLS settings; throws on failure (bad CA file, port in use).
  /// `access` receives one complete JSON line per request at info level (a default logger: none).
  /// With `cfg.threads == 1`, `ioc` must be run by one thread only (connections share its executor
  /// instead of a strand each).
  gateway_server(net::io_context& ioc, gateway_config cfg, logger log, logger access = {});
  ~gateway_server();

  void start();
  /// Stops accepting and closes idle connections; busy ones finish their current request first
  /// (answered with Connection: close).
  void stop();
  /// After stop(): ends the requests still in flight (streams get a final `shutting_down` event).
  void abort_requests();
  /// Client connections still open (reaches 0 after stop() once requests in flight are done).
  std::size_t open_connections() const;
  unsigned short port() const;
  /// Request coalescing counters of /chat (all zero with the cache off).
  flight_stats coalescing() const;
  const gateway_config& config() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace gateway
