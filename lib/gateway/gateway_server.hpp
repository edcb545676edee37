// The gateway as an object: the route table and its router, the relay pipeline and the endpoints,
// the upstream client and its pool, wired from one gateway_config onto one io_context. main() and
// the integration tests both use it. reconfigure() puts new live settings to work (SIGHUP, through
// gateway/config_reloader.hpp): each request takes the generation that is current when it starts.
// Threading: construct, start(), stop() and reconfigure() from any thread; the caller runs the
// io_context.
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
  gateway_server(asio::io_context& ioc, gateway_config cfg, logger log, logger access = {});
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
  /// The configuration it started with (its live settings as they were then: see reconfigure).
  const gateway_config& config() const;

  /// Live reload: `next`'s live settings - the Groq keys, FALLBACK_MODELS, GATEWAY_API_KEYS,
  /// RATE_LIMIT_RPM and _TPM, LOG_LEVEL - for requests that start from now on; requests in flight
  /// finish on theirs. Its other settings are not looked at (config_reload decides what may
  /// change). Counts an applied reload and returns the new configuration generation. Hashes the
  /// client keys: call it from a thread of its own, not an io thread.
  std::uint64_t reconfigure(const gateway_config& next);
  /// Counts a reload that changed no live setting (`refused` false) or was refused.
  void count_reload(bool refused);
  /// The configuration generation new requests get: 1 at start, one more per reconfigure().
  std::uint64_t generation() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace gateway
