// The questions chat-bench asks: from a file or generated, with a chosen share of repeats (which a
// gateway's cache answers). Deterministic for a seed; each call is a pure function of its index, so
// any number of event loops can draw from one source without sharing state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gateway::bench {

class question_source {
 public:
  /// `base` empty: built-in Turkish finance questions. `repeat` in [0, 1]: the share of indices that
  /// map to one of `hot` recurring questions; every other index gets a question of its own.
  question_source(std::vector<std::string> base, double repeat, unsigned hot, std::uint64_t seed);

  /// The question for request number `index`.
  std::string at(std::uint64_t index) const;
  /// Whether `at(index)` is one of the recurring questions.
  bool is_repeat(std::uint64_t index) const;

 private:
  std::vector<std::string> base_;
  double repeat_;
  unsigned hot_;
  std::uint64_t seed_;
};

/// One question per non-empty line.
std::vector<std::string> read_questions(const std::string& path);

}  // namespace gateway::bench
