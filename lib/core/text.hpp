// Small text helpers for protocol fields (ASCII).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace gateway {

/// `s` without leading and trailing spaces and tabs: HTTP's optional white space (RFC 9110 §5.6.3).
inline std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// `bytes` as lower-case hex, two digits a byte (keys and digests in Redis).
inline void append_hex(std::string& out, std::span<const unsigned char> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  for (const unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
}

}  // namespace gateway
