// The few Asio names that headers across lib/ need, in one place.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace gateway {
namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
}  // namespace gateway
