// The few Asio names that headers across lib/ need, in one place.
#pragma once

#include "core/clock.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace gateway {
namespace net = boost::asio;
}  // namespace gateway
