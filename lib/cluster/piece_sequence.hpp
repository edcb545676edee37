// The order rule of a shared flight's stream (shared_flights.hpp), kept by a follower: every body
// piece (d) comes right after its number (n: 0, 1, 2, ... per flight), and the end (e) carries how
// many pieces there were. A piece the leader's Redis connection lost (dropped while it reconnected,
// or while its client's queue was full) shows as a skipped number, or - the last one - as a count
// that does not match: the follower fails instead of serving, and storing, a shortened answer.
// Pure; one per follower.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace gateway::cluster {

class piece_sequence {
 public:
  /// An n field: true when it is the next number and no number is still waiting for its piece.
  bool number(std::string_view text) {
    std::uint64_t n = 0;
    if (numbered_ || !parse(text, n) || n != pieces_) return false;
    numbered_ = true;
    return true;
  }
  /// A d field: true when its number came just before it.
  bool piece() {
    if (!numbered_) return false;
    numbered_ = false;
    ++pieces_;
    return true;
  }
  /// An e field: true when it counts exactly the pieces that came, and none is half-announced.
  bool end(std::string_view count) const {
    std::uint64_t n = 0;
    return !numbered_ && parse(count, n) && n == pieces_;
  }
  std::uint64_t pieces() const { return pieces_; }

 private:
  static bool parse(std::string_view text, std::uint64_t& n) {
    const auto* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), last, n);
    return !text.empty() && ec == std::errc{} && ptr == last;
  }

  std::uint64_t pieces_ = 0;  // pieces received, i.e. the next number expected
  bool numbered_ = false;     // an n came; its d is next
};

}  // namespace gateway::cluster
