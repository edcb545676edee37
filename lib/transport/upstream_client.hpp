// HTTP(S) requests to the OpenAI-compatible upstream over pooled keep-alive connections.
//
// start() connects (or reuses a pooled connection), sends the request and reads the response head;
// the returned exchange then hands out the body piece by piece as it arrives, so a streamed answer
// flows from the upstream read straight to the caller's next write, on the caller's strand.
// Every step is guarded by the caller's watchdog: connect, first byte, each body read.
#pragma once

#include "core/error.hpp"
#include "core/logger.hpp"
#include "net/asio_fwd.hpp"
#include "net/watchdog.hpp"
#include "tls/tls_session_cache.hpp"
#include "transport/body_decoder.hpp"
#include "transport/base_url.hpp"
#include "transport/reply_source.hpp"
#include "transport/response_head.hpp"
#include "transport/upstream_pool.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace gateway {

struct upstream_settings {
  base_url url;  // where the upstream lives (each request brings its own key: route_set)
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds first_byte_timeout{30'000};
  std::chrono::milliseconds idle_timeout{15'000};
  std::size_t max_error_body = 64 * 1024;
};

/// Deadlines of one request, fixed when it starts.
struct request_deadlines {
  clock_type::time_point request;  // REQUEST_TIMEOUT from the request's start
};

/// What start() did to get a connection, for a caller that records it (a recorded trace's attempt
/// span): filled only when one is passed, so that an unrecorded request reads no clock for it.
/// Times are wall-clock, as spans have them.
struct connection_events {
  using time_point = std::chrono::system_clock::time_point;
  bool reused = false;  // the request went on a pooled connection
  unsigned stale = 0;   // pooled connections found dead before the request and replaced
  std::optional<time_point> connected;   // a new connection's TCP connect ended (resolution included)
  std::optional<time_point> handshaken;  // its TLS handshake ended
  bool resumed = false;                  // that handshake resumed a session (no full handshake)
};

class upstream_client;

/// One request/response on one leased connection. Destroying it returns the connection to the pool
/// when the response was read completely and the server keeps the connection alive; otherwise
/// (error, cancellation, partial read) the connection is closed, so an abandoned stream stops the
/// upstream at once. Strand-only.
class upstream_exchange final : public reply_source {
 public:
  upstream_exchange(upstream_client& client, std::unique_ptr<upstream_connection> conn, watchdog& wd,
                    request_deadlines deadlines);
  ~upstream_exchange() override;
  upstream_exchange(const upstream_exchange&) = delete;
  upstream_exchange& operator=(const upstream_exchange&) = delete;

  unsigned status() const { return parser_.status(); }
  /// A response header's value, or "": only the rate-limit and retry-after fields are kept (see
  /// transport/response_head.hpp).
  std::string header(std::string_view name) const;
  bool done() const override { return body_.done(); }

  /// Pieces of the body, tried before any wait; a wait lasts at most STREAM_IDLE_TIMEOUT (and the
  /// request deadline). See reply_source.
  std::optional<std::string_view> try_read(std::error_code& ec) override;
  asio::awaitable<void> wait_readable(std::error_code& ec) override;
  void interrupt() override;

 private:
  friend class upstream_client;
  upstream_client& client_;
  std::unique_ptr<upstream_connection> conn_;
  watchdog& wd_;
  request_deadlines deadlines_;
  // The head only: the body goes through body_, straight from the connection's buffer.
  response_head_parser parser_;
  body_decoder body_ = body_decoder::none();
  std::size_t handed_ = 0;  // bytes of the buffer behind the piece handed out last, dropped on the next call
  std::optional<asio::ip::tcp::socket::wait_type> wait_;  // what try_read() found it must wait for
  bool waiting_ = false, interrupted_ = false;             // wait_readable() is in its wait; interrupt() ended it
  // The upstream has been silent since `silent_since_` (STREAM_IDLE_TIMEOUT), across waits that an
  // interrupt ended.
  bool silence_goes_on_ = false;
  clock_type::time_point silent_since_{};
  // When wait_readable() last waited; none yet reads as long ago: the first wait, for the answer's
  // first token, may take seconds.
  clock_type::time_point last_wait_{};
};

class upstream_client {
 public:
  /// `io` is the io_context's executor (not a strand): pooled sockets are driven from many strands.
  upstream_client(asio::any_io_executor io, upstream_settings settings, asio::ssl::context* tls,
                  upstream_pool& pool, logger log);

  /// Sends `method` `target` (POST with a JSON `body`, or GET without one) with `authorization`
  /// (the route's key, "" for none) and reads the response head. A pooled connection that fails
  /// before any response byte is replaced by a fresh one once, transparently. `body` is read
  /// before the first wait only (into the request's bytes): a view of the caller's, not a copy.
  /// `events` (optional) receives how the connection was had.
  asio::awaitable<std::unique_ptr<upstream_exchange>> start(std::string_view target, std::string_view body,
                                                            watchdog& wd, request_deadlines deadlines,
                                                            std::error_code& ec,
                                                            boost::beast::http::verb method = boost::beast::http::verb::post,
                                                            std::string_view request_id = {},
                                                            std::string_view authorization = {},
                                                            std::string_view trace_fields = {},
                                                            connection_events* events = nullptr);

  const upstream_settings& settings() const { return settings_; }
  upstream_pool& pool() { return pool_; }
  const logger& log() const { return log_; }

 private:
  friend class upstream_exchange;
  asio::awaitable<std::unique_ptr<upstream_connection>> connect(watchdog& wd, request_deadlines d,
                                                              std::error_code& ec, connection_events* events);

  asio::any_io_executor io_;
  upstream_settings settings_;
  std::string host_header_;  // fixed with the settings: not built per request
  asio::ssl::context* tls_;  // null for plain http
  tls_session_cache sessions_;  // the upstream's newest TLS session, offered by each new connection
  upstream_pool& pool_;
  logger log_;
};

}  // namespace gateway
