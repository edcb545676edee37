// A bound on how often one kind of log line is written: at most `per_second` lines in each second
// of the clock; the lines past it are counted, and the next line written says how many were left
// out. For lines a client can cause at will (a failed key check): unbounded, a client sending bad
// keys as fast as it can fills the log, and the disk or the log pipeline behind it, as fast.
// Threading: thread-safe (a mutex held for a few assignments, on the refusal path only).
#pragma once

#include "core/clock.hpp"

#include <cstdint>
#include <mutex>

namespace gateway {

class log_budget {
 public:
  explicit log_budget(unsigned per_second) : per_second_(per_second) {}

  /// Whether a line may be written at `now`. When it may, `left_out` is the number of lines
  /// refused since the last one written (to be said in this one); otherwise it is counted.
  bool admit(clock_type::time_point now, std::uint64_t& left_out) {
    const auto second =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    std::lock_guard lock(mutex_);
    if (second != second_) {
      second_ = second;
      written_ = 0;
    }
    if (written_ >= per_second_) {
      ++left_out_;
      return false;
    }
    ++written_;
    left_out = left_out_;
    left_out_ = 0;
    return true;
  }

 private:
  const unsigned per_second_;
  std::mutex mutex_;
  long long second_ = -1;       // guarded by the mutex
  unsigned written_ = 0;        // in second_; guarded
  std::uint64_t left_out_ = 0;  // since the last line written; guarded
};

}  // namespace gateway
