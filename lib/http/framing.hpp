// What the inbound HTTP/1.1 loop (serve.hpp) refuses, as pure functions: a Transfer-Encoding it
// cannot frame safely, a read that failed (size limits, malformed bytes, the read buffer's
// maximum), and how large the connection's read buffer may grow. Kept apart from the loop so that
// the request reader's fuzz target checks the same rules the loop applies
// (tests/fuzz/fuzz_request_reader.cpp).
#pragma once

#include "http/inbound_request.hpp"

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace gateway {

class connection_budget;
class log_budget;

/// The inbound loop's deadlines and sizes.
struct serve_limits {
  std::chrono::milliseconds keepalive_timeout{10'000};  // idle wait for a request's first byte
  std::chrono::milliseconds header_timeout{10'000};     // the rest of the header once it started
  std::chrono::milliseconds body_timeout{30'000};       // the body
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  /// Room in the read buffer past a whole header: the start of a pipelined request, a chunk line.
  std::size_t read_slack = 4 * 1024;
  /// Where a request's body takes its place among every connection's before it is read
  /// (MAX_INFLIGHT_REQUEST_BYTES); null: bodies are bounded per connection only.
  connection_budget* budget = nullptr;
  /// How many "rejected request" lines are written a second (the rest are counted into the next
  /// one): a client can send bad framing as fast as it can. Null: every refusal is logged.
  log_budget* refusal_log = nullptr;
};

/// The most the connection's read buffer ever holds. The body does not count: the parser takes it
/// out of the buffer as it arrives. Whatever must be whole in the buffer to be parsed - the header,
/// one chunk-size line with its extensions, the trailer - is refused past this.
inline std::size_t read_buffer_limit(const serve_limits& limits) {
  return limits.max_header_bytes + limits.read_slack;
}

/// How serve_http refuses a request it could not read: its status (0: not refused), stable code
/// and message.
struct framing_refusal {
  unsigned status = 0;
  std::string_view code;
  std::string message;
};

/// The refusal for a read that failed with `ec` (a Beast parser error or the read buffer's
/// overflow); status 0 for errors that end the connection silently (a timeout, the peer gone, a
/// request cut short). `header_done`: whether the header had been read when it failed.
framing_refusal read_refusal(const boost::system::error_code& ec, bool header_done,
                             const serve_limits& limits);

/// A request whose framing cannot be read safely (RFC 9112 §6.1, §6.3): 400 when a
/// Transfer-Encoding does not end in exactly one `chunked`, comes with Content-Length or in an
/// HTTP/1.0 request, has a coding with parameters or only parameters (`;x`), or is not what the
/// parser frames as chunked; 501 for a coding we do not decode (`gzip, chunked`). 0 when the
/// framing is fine. `framed_chunked`: the parser's own reading (basic_parser::chunked()) - the one
/// that decides where the body ends, so a field the two read differently is refused rather than
/// trusted. `what` says why; a client's coding in it is cut to `coding_excerpt_bytes` and escaped.
inline constexpr std::size_t coding_excerpt_bytes = 32;
unsigned transfer_coding_problem(const inbound_request& req, bool framed_chunked,
                                 std::string& what);

}  // namespace gateway
