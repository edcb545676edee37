// RESP2, the Redis protocol, without I/O: commands are written as arrays of bulk strings, and
// replies are parsed from whatever bytes have arrived, in any pieces (tested at every split point).
// The connection (redis_client) only moves bytes.
// Threading: a parser belongs to one connection.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gateway::redis {

struct resp_value {
  enum class kind { simple, error, integer, bulk, null, array };
  kind type = kind::null;
  std::string text;               // simple string, error or bulk string
  std::int64_t integer = 0;
  std::vector<resp_value> items;  // array

  bool is_error() const { return type == kind::error; }
  bool is_null() const { return type == kind::null; }
};

/// Appends `args` as one command (an array of bulk strings) to `out`; pipelining is appending more.
void append_command(std::string& out, std::span<const std::string_view> args);
inline void append_command(std::string& out, std::initializer_list<std::string_view> args) {
  append_command(out, std::span<const std::string_view>(args.begin(), args.size()));
}

class resp_parser {
 public:
  /// Replies larger than `max_reply` bytes, or nested deeper than `max_depth`, are protocol errors:
  /// a broken or hostile server cannot make the gateway grow without bound.
  explicit resp_parser(std::size_t max_reply = 16u << 20, unsigned max_depth = 8)
      : max_reply_(max_reply), max_depth_(max_depth) {}

  /// Takes the next bytes; appends every reply they complete to `out`, in order. False on a
  /// protocol error: the connection is then unusable (its replies can no longer be matched).
  bool feed(std::string_view bytes, std::vector<resp_value>& out);

  /// Bytes of a reply not yet complete.
  std::size_t buffered() const { return buffer_.size() - start_; }

 private:
  enum class step { done, more, bad };
  step parse(std::size_t& pos, resp_value& out, unsigned depth) const;
  step line(std::size_t& pos, std::string_view& out) const;

  std::string buffer_;
  std::size_t start_ = 0;  // where the next reply begins in buffer_
  std::size_t max_reply_;
  unsigned max_depth_;
};

}  // namespace gateway::redis
