// The body of an upstream HTTP/1.1 response as its framing delivers it, sans-io: chunked, a known
// length, or everything until the connection ends. Beast's parser reads the response head; the
// body goes through this, which hands back body bytes as views into the caller's buffer - no copy
// into a body buffer, no parser call per framing element (benchmark 9: Beast's chunked-body parser
// and its buffer_body copy were a cost paid on every streamed event).
//
// Strict where framing is concerned (a malformed chunk size, a missing CRLF, an over-long size line
// or trailer is an error, never guessed at); chunk extensions and trailer fields are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace gateway {

class body_decoder {
 public:
  static body_decoder none() { return body_decoder(state::done, 0); }
  static body_decoder length(std::uint64_t n) { return body_decoder(n == 0 ? state::done : state::length, n); }
  static body_decoder chunked() { return body_decoder(state::size_line, 0); }
  static body_decoder until_close() { return body_decoder(state::until_close, 0); }

  struct piece {
    std::size_t used = 0;   // bytes of the input decoded; the caller drops them once `data` is handled
    std::string_view data;  // body bytes: a view into the input, ending at `used`; empty if none yet
  };

  /// Decodes from the front of `in` up to the first body bytes (returned in `data`), the end of the
  /// body, or the end of what is complete: a framing element cut by the end of `in` stays unused,
  /// to be fed again with what follows. `ec` is upstream_protocol_error for malformed framing.
  piece feed(std::string_view in, std::error_code& ec);

  /// The connection ended: true when that completes the body (a body delimited by the close, or a
  /// body already complete); false when it cuts the body short or the framing was malformed.
  bool finish_at_eof();

  bool done() const { return state_ == state::done; }

  // Limits on framing that is buffered whole before it can be decoded.
  static constexpr std::size_t max_size_line = 4096;  // chunk size and extensions
  static constexpr std::size_t max_trailer = 8192;    // all trailer fields together

 private:
  enum class state { size_line, data, data_crlf, trailer, length, until_close, done, failed };
  body_decoder(state s, std::uint64_t remaining) : state_(s), remaining_(remaining) {}

  state state_;
  std::uint64_t remaining_;      // of the current chunk, or of a known length
  std::size_t trailer_bytes_ = 0;
};

}  // namespace gateway
