// What the relay reads an answer's body from: the upstream's HTTP response (upstream_exchange) or,
// when another instance is asking the upstream the same question, that instance's copy of it
// (cluster/shared_flights.hpp). The relay cannot tell them apart.
//
// Reading is "try now, wait later", the one shape every read of the request path has: try_read()
// takes what is there without waiting (most of a fast stream's pieces: no coroutine call, no
// asynchronous operation), and only when it finds nothing does the caller co_await wait_readable().
// A stream's keep-alive clock interrupts that wait (interrupt()), so the relay, the response's one
// writer, can write a comment between two reads (http/downstream.hpp).
#pragma once

#include "net/asio_fwd.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace gateway {

class reply_source {
 public:
  virtual ~reply_source() = default;
  /// The body is complete.
  virtual bool done() const = 0;
  /// Try now: the next piece of the body when that takes no waiting (valid until the next read),
  /// empty with no error only at the end, or with `ec` set on failure; nullopt when it would wait.
  virtual std::optional<std::string_view> try_read(std::error_code& ec) = 0;
  /// Wait later: returns when try_read() may have more (or a failure to report, in `ec`), or
  /// at once after interrupt(). Call it only after try_read() found nothing.
  virtual asio::awaitable<void> wait_readable(std::error_code& ec) = 0;
  /// Makes a wait_readable() in progress return now, with no error. Nothing when none is.
  virtual void interrupt() = 0;

  /// Both steps: the next piece, waiting as long as it takes (not interrupted by anyone).
  asio::awaitable<std::string_view> read_some(std::error_code& ec);
  /// The rest of the body, failing with upstream_protocol_error past `limit` bytes.
  virtual asio::awaitable<std::string> read_all(std::size_t limit, std::error_code& ec);
};

}  // namespace gateway
