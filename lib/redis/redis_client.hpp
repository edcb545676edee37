// One pipelined connection to Redis on the gateway's io_context: commands from any strand are
// written in order on the client's own strand and their replies matched first-in first-out
// (resp.hpp parses them). Every command has a deadline (REDIS_TIMEOUT); a timed-out command's reply
// is skipped when it comes. The connection reconnects with backoff; while it is down, or while
// Redis does not answer (three timeouts in a row: frozen), commands fail at once instead of
// waiting, so the shared tier never slows a request by more than one timeout.
// Threading: thread-safe; no call blocks.
#pragma once

#include "core/logger.hpp"
#include "net/asio_fwd.hpp"
#include "redis/redis_address.hpp"
#include "redis/resp.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace gateway::redis {

struct redis_settings {
  redis_address address;
  std::chrono::milliseconds timeout{50};  // REDIS_TIMEOUT: each command, and the handshake's PING
  std::chrono::milliseconds connect_timeout{1'000};
  std::chrono::milliseconds backoff_min{100}, backoff_max{2'000};
  std::size_t max_pending = 4'096;  // commands waiting for replies; beyond, fail at once
  unsigned stall_timeouts = 3;      // timeouts in a row that mark a connection frozen
};

enum class redis_errc {
  ok,
  down,      // no connection (connecting, backing off, or frozen)
  timeout,   // no reply within REDIS_TIMEOUT
  busy,      // max_pending reached
  protocol,  // the connection broke or sent something unreadable
};
std::string_view to_string(redis_errc e);

struct redis_reply {
  redis_errc error = redis_errc::ok;
  resp_value value;
  /// A reply that is not Redis's own error reply.
  bool ok() const { return error == redis_errc::ok && !value.is_error(); }
};

/// send()s whose reader needs every one of them (a Redis Stream's pieces). Once one is lost -
/// dropped (no connection, max_pending reached), refused by Redis, or its connection gone before
/// its reply (it may or may not have run) - the chain is broken for good, and a command sent with
/// an alternative goes as that alternative: the end of a stream can then say it is not whole.
struct send_chain {
  std::atomic<bool> broken{false};  // thread-safe
};

/// What the client reports (gateway_metrics implements it).
class redis_observer {
 public:
  virtual ~redis_observer() = default;
  virtual void redis_command(redis_errc outcome, std::chrono::microseconds latency) = 0;
  virtual void redis_connection(bool up) = 0;
};

class redis_client : public std::enable_shared_from_this<redis_client> {
 public:
  static std::shared_ptr<redis_client> create(asio::any_io_executor ex, redis_settings settings, logger log,
                                              redis_observer* observer = nullptr);
  ~redis_client();

  /// Starts connecting (and reconnecting) in the background.
  void start();
  /// Closes the connection and stops reconnecting; pending commands fail with `down`.
  void stop();

  /// One command; resumes on the caller's executor within REDIS_TIMEOUT.
  asio::awaitable<redis_reply> command(std::vector<std::string> args);
  /// A command whose reply nobody waits for (a store); dropped when the connection is down.
  void send(std::vector<std::string> args);
  /// One command of `chain`; when the chain is broken by the time it goes and `if_broken` is
  /// given, that goes instead.
  void send(std::vector<std::string> args, std::shared_ptr<send_chain> chain,
            std::vector<std::string> if_broken = {});

  bool up() const { return up_.load(std::memory_order_relaxed); }

 private:
  struct impl;
  redis_client(asio::any_io_executor ex, redis_settings settings, logger log, redis_observer* observer);
  std::unique_ptr<impl> impl_;
  std::atomic<bool> up_{false};
};

}  // namespace gateway::redis
