// The clock of every deadline and TTL in lib/ (monotonic: wall-clock jumps never fire a timeout).
#pragma once

#include <chrono>

namespace gateway {
using clock_type = std::chrono::steady_clock;
}  // namespace gateway
