// Small text helpers for protocol fields (ASCII).
#pragma once

#include <string_view>

namespace gateway {

/// `s` without leading and trailing spaces and tabs: HTTP's optional white space (RFC 9110 §5.6.3).
inline std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace gateway
