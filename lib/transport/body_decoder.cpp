#include "transport/body_decoder.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cstring>

namespace gateway {
namespace {

// One CRLF-terminated line at the front of `in`: its length without the CRLF, or npos when the
// line is not complete yet. A CR anywhere but before the LF (or a bare LF) is malformed.
constexpr std::size_t incomplete = std::string_view::npos;
std::size_t line_length(std::string_view in, bool& malformed) {
  const auto* lf = static_cast<const char*>(std::memchr(in.data(), '\n', in.size()));
  if (!lf) return incomplete;
  const auto n = static_cast<std::size_t>(lf - in.data());
  if (n == 0 || in[n - 1] != '\r' || std::memchr(in.data(), '\r', n - 1)) {
    malformed = true;
    return 0;
  }
  return n - 1;
}

// chunk-size [ BWS ";" extensions ]: the size, or false when the line is not that.
bool parse_size_line(std::string_view line, std::uint64_t& size) {
  std::size_t i = 0;
  size = 0;
  for (; i < line.size(); ++i) {
    const int v = hex_digit_value(line[i]);
    if (v < 0) break;
    if (size >> 60) return false;  // more than 2^64: no real body is that long
    size = size << 4 | static_cast<unsigned>(v);
  }
  if (i == 0) return false;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i == line.size() || line[i] == ';';  // extensions are skipped, whatever they say
}

}  // namespace

body_decoder::piece body_decoder::feed(std::string_view in, std::error_code& ec) {
  ec = {};
  std::size_t pos = 0;
  const auto fail = [&] {
    ec = error::upstream_protocol_error;
    state_ = state::failed;
    return piece{pos, {}};
  };
  for (;;) {
    const auto rest = in.substr(pos);
    switch (state_) {
      case state::done: return {pos, {}};
      case state::failed: return fail();
      case state::until_close:
        return {in.size(), rest};
      case state::length:
      case state::data: {
        if (rest.empty()) return {pos, {}};
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(rest.size(), remaining_));
        remaining_ -= take;
        if (remaining_ == 0) state_ = state_ == state::length ? state::done : state::data_crlf;
        return {pos + take, rest.substr(0, take)};
      }
      case state::data_crlf:
        if (rest.size() < 2) {
          if (!rest.empty() && rest[0] != '\r') return fail();
          return {pos, {}};
        }
        if (rest[0] != '\r' || rest[1] != '\n') return fail();
        pos += 2;
        state_ = state::size_line;
        break;
      case state::size_line: {
        bool malformed = false;
        const auto n = line_length(rest.substr(0, max_size_line + 2), malformed);
        if (malformed) return fail();
        if (n == incomplete) {
          if (rest.size() >= max_size_line + 2) return fail();
          return {pos, {}};
        }
        std::uint64_t size = 0;
        if (!parse_size_line(rest.substr(0, n), size)) return fail();
        pos += n + 2;
        if (size == 0) {
          state_ = state::trailer;
        } else {
          remaining_ = size;
          state_ = state::data;
        }
        break;
      }
      case state::trailer: {
        bool malformed = false;
        const auto n = line_length(rest.substr(0, max_trailer - trailer_bytes_ + 2), malformed);
        if (malformed) return fail();
        if (n == incomplete) {
          if (rest.size() >= max_trailer - trailer_bytes_ + 2) return fail();
          return {pos, {}};
        }
        pos += n + 2;
        if (n == 0) {
          state_ = state::done;  // the empty line: the end of the message
          return {pos, {}};
        }
        trailer_bytes_ += n + 2;
        if (trailer_bytes_ > max_trailer) return fail();
        break;
      }
    }
  }
}

bool body_decoder::finish_at_eof() {
  if (state_ == state::until_close) state_ = state::done;
  return state_ == state::done;
}

}  // namespace gateway
