// What the relay reads an answer's body from: the upstream's HTTP response (upstream_exchange) or,
// when another instance is asking the upstream the same question, that instance's copy of it
// (cluster/shared_flights.hpp). The relay cannot tell them apart.
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
  /// The next piece of the body (valid until the next call); empty with no error only at the end.
  virtual asio::awaitable<std::string_view> read_some(std::error_code& ec) = 0;
  /// What read_some() would give, when that takes no waiting; nullopt when it would wait (then call
  /// read_some()). Lets the relay read a piece that is already there without a coroutine call.
  virtual std::optional<std::string_view> read_ready(std::error_code&) { return std::nullopt; }
  /// The rest of the body, failing with upstream_protocol_error past `limit` bytes.
  virtual asio::awaitable<std::string> read_all(std::size_t limit, std::error_code& ec) = 0;
};

}  // namespace gateway
