// The few Asio names that headers across lib/ need, in one place. The alias is `asio`, not `net`:
// `net` is the name of lib/net, and `http` (Beast's) of lib/http, so neither is used as an alias.
#pragma once

#include "core/clock.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace gateway {
namespace asio = boost::asio;
}  // namespace gateway
