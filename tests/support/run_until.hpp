// Runs an io_context the test owns until `done()` or `limit` passes (a fired or stopped timer ends
// its work, so the context is run in short slices and restarted).
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace test {

template <class Done>
void run_until(boost::asio::io_context& ioc, Done&& done,
               std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    ioc.run_for(std::chrono::milliseconds(5));
    ioc.restart();
  }
}

}  // namespace test
