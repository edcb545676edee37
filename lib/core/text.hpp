// Small text helpers for protocol fields.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace gateway {

/// A hexadecimal digit's value (either case), -1 for any other character.
constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

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

/// `v` in decimal, appended (as JSON and HTTP write whole numbers).
inline void append_decimal(std::string& out, std::uint64_t v) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out.append(digits, end);
}

/// Microseconds as milliseconds with three decimals ("1.500"), in integers: what {:.3f} of the
/// quotient writes, without a floating-point formatting (access log lines, Server-Timing).
inline void append_milliseconds(std::string& out, std::chrono::microseconds d) {
  const auto us = static_cast<std::uint64_t>(d.count());
  append_decimal(out, us / 1000);
  const auto frac = us % 1000;
  out += '.';
  out += static_cast<char>('0' + frac / 100);
  out += static_cast<char>('0' + frac / 10 % 10);
  out += static_cast<char>('0' + frac % 10);
}

#if defined(__SSE2__)
/// Which of the 16 bytes of `v` are control characters (below 0x20) or backslashes: 0xff in those
/// lanes. Every escaper stops there (the JSON writers below and the log's, core/logger.cpp).
inline __m128i control_or_backslash(__m128i v) noexcept {
  // Unsigned v <= 0x1f exactly when min(v, 0x1f) == v.
  const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
  return _mm_or_si128(control, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
}

/// Which of the 16 bytes of `v` cannot go into a JSON string as they are (`"`, `\\` and the
/// control characters): bit i for byte i. Shared by the string writer below and the JSON scan
/// (completion/json_scan.hpp), which stop at the same bytes.
inline unsigned json_special_bytes(__m128i v) noexcept {
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control_or_backslash(v), quote)));
}
#endif

/// How many bytes at the start of `text` go into a JSON string as they are (none of `"`, `\` and
/// the control characters). Sixteen bytes at a time where SSE2 is there (every x86-64): a system
/// prompt or an answer is a kilobyte or more of plain text, where a byte at a time showed in the
/// profile (benchmark 9).
inline std::size_t json_plain_prefix(std::string_view text) noexcept {
  std::size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    if (const unsigned mask = json_special_bytes(v)) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return text.size();
}

/// `text` as a JSON string, quotes included, escaped as Boost.JSON's serializer does (\" \\ \b \f
/// \n \r \t, other control characters as \u00XX; everything else, UTF-8 included, as it is).
/// Appends runs of plain bytes at once: the relay writes one per streamed token.
inline void append_json_string(std::string& out, std::string_view text) {
  static constexpr char digits[] = "0123456789abcdef";
  out.push_back('"');
  for (;;) {
    const auto plain = json_plain_prefix(text);
    out.append(text.data(), plain);
    if (plain == text.size()) break;
    const auto c = static_cast<unsigned char>(text[plain]);
    text.remove_prefix(plain + 1);
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
  out.push_back('"');
}

}  // namespace gateway
