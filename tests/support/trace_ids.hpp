// Trace and span ids from hex text, for tests of lib/trace.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace test {

template <std::size_t N>
std::array<char, N> hex_id(std::string_view s) {
  std::array<char, N> out{};
  std::copy_n(s.begin(), std::min(N, s.size()), out.begin());
  return out;
}

}  // namespace test
