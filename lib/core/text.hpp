// Small text helpers for protocol fields.
#pragma once

#include <cstdint>
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

/// Reads a non-negative decimal number at the start of `s` ("6", "1.5", ".5"; no sign, no
/// exponent) into `out`; returns the bytes it took, 0 when `s` does not start with one.
inline std::size_t read_decimal(std::string_view s, double& out) noexcept {
  double whole = 0, scale = 1;
  bool dot = false, digits = false;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '.' && !dot) {
      dot = true;
    } else if (ch >= '0' && ch <= '9') {
      digits = true;
      if (dot) {
        scale /= 10;
        whole += (ch - '0') * scale;
      } else {
        whole = whole * 10 + (ch - '0');
      }
    } else {
      break;
    }
  }
  if (!digits) return 0;
  out = whole;
  return i;
}

/// `v` in lower-case hex (at least one digit), written backwards so that it ends just before `end`:
/// returns where it begins. For hot paths that build a number into a fixed buffer without a
/// formatting library call (chunk sizes, request ids). 16 bytes before `end` always suffice.
inline char* write_hex_backwards(char* end, std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  do {
    *--end = digits[v & 15];
    v >>= 4;
  } while (v != 0);
  return end;
}

/// `bytes` as lower-case hex, two digits a byte (keys and digests in Redis).
inline void append_hex(std::string& out, std::span<const unsigned char> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  for (const unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
}

/// `text` as a JSON string, quotes included, escaped as Boost.JSON's serializer does (\" \\ \b \f
/// \n \r \t, other control characters as \u00XX; everything else, UTF-8 included, as it is).
/// Appends runs of plain bytes at once: the relay writes one per streamed token.
inline void append_json_string(std::string& out, std::string_view text) {
  static constexpr char digits[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\f': out.push_back('f'); break;
      case '\n': out.push_back('n'); break;
      case '\r': out.push_back('r'); break;
      case '\t': out.push_back('t'); break;
      default:
        out.append("u00");
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

}  // namespace gateway
