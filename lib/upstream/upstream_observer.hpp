// What an upstream call reports while it runs, for whoever counts (the metrics module implements
// it). An interface here, so that upstream/ depends on no consumer of its numbers.
// Threading: implementations must be thread-safe; calls come from every io thread.
#pragma once

#include <chrono>

namespace gateway {

/// How an upstream attempt ended.
enum class attempt_outcome : unsigned { ok, rate_limited, client_error, server_error, transport, timeout, count_ };

class upstream_observer {
 public:
  virtual void attempt(attempt_outcome o) = 0;
  virtual void retry() = 0;
  /// Time from the start of an upstream call to the upstream's response head.
  virtual void upstream_first_byte(std::chrono::microseconds d) = 0;

 protected:
  ~upstream_observer() = default;
};

}  // namespace gateway
