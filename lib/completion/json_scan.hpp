// A fast reader for the common case of a whole JSON document in memory: it validates as it goes and
// calls a handler for every container, key and scalar, like Boost.JSON's basic_parser, at a
// fraction of its cost (runs of plain string bytes are skipped 16 at a time; Boost.JSON's parser
// goes byte by byte once a string holds an escape: benchmark 9).
//
// It is a pre-check, not the authority: it accepts only what Boost.JSON accepts, and reads it the
// same; whatever it is unsure of - a syntax error, a lone surrogate, an exponent of more than 8
// digits, nesting deeper than Boost.JSON's default of 32 - it reports as `unsure`, and the caller
// asks Boost.JSON (errors are rare; their verdict and message are Boost.JSON's). The fuzz target
// fuzz_stream_chunk holds the readers built on it equal to Boost.JSON's DOM on every input.
//
// The handler:
//   void push(bool object);          an object or array begins
//   void pop();                      it ends
//   void on_member(std::string_view);  a member's key (escapes decoded)
//   void on_text(std::string_view);    a string value (escapes decoded)
//   void on_count(std::uint64_t);      an integer >= 0 that fits 64 bits (Boost.JSON's int64 or uint64)
//   void on_other();                   any other number, true, false or null (its value is not kept)
// Views are valid during the call. Threading: none (a reader per call).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/text.hpp"

namespace gateway {

enum class json_scan_result { ok, unsure };

namespace detail {

class json_scanner {
 public:
  static constexpr std::size_t max_depth = 32;  // Boost.JSON's parse_options default

  explicit json_scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  template <class Handler>
  bool document(Handler& h) {
    skip_space();
    if (!value(h, 0)) return false;
    skip_space();
    return p_ == end_;
  }

 private:
  const char* p_;
  const char* end_;
  std::string scratch_;  // a string with escapes, decoded

  void skip_space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  template <class Handler>
  bool value(Handler& h, std::size_t depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': return container(h, depth + 1, true);
      case '[': return container(h, depth + 1, false);
      case '"': {
        std::string_view s;
        if (!string(s)) return false;
        h.on_text(s);
        return true;
      }
      case 't': return literal("true") && (h.on_other(), true);
      case 'f': return literal("false") && (h.on_other(), true);
      case 'n': return literal("null") && (h.on_other(), true);
      default: return number(h);
    }
  }

  // An object or an array: its values, and for an object each one's key and colon before it.
  template <class Handler>
  bool container(Handler& h, std::size_t depth, bool object) {
    if (depth > max_depth) return false;
    const char close = object ? '}' : ']';
    ++p_;
    h.push(object);
    skip_space();
    if (p_ != end_ && *p_ == close) {
      ++p_;
      h.pop();
      return true;
    }
    for (;;) {
      if (object && !member_key(h)) return false;
      if (!value(h, depth)) return false;
      skip_space();
      if (p_ == end_) return false;
      if (*p_ == close) break;
      if (*p_ != ',') return false;
      ++p_;
      skip_space();
    }
    ++p_;
    h.pop();
    return true;
  }

  template <class Handler>
  bool member_key(Handler& h) {
    std::string_view k;
    if (p_ == end_ || *p_ != '"' || !string(k)) return false;
    h.on_member(k);
    skip_space();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    skip_space();
    return true;
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  // RFC 8259's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  template <class Handler>
  bool number(Handler& h) {
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !digit(*p_)) return false;
    std::uint64_t n = 0;
    bool fits = true;
    if (*p_ == '0') {
      ++p_;
    } else {
      for (; p_ != end_ && digit(*p_); ++p_) {
        const auto d = static_cast<std::uint64_t>(*p_ - '0');
        if (__builtin_mul_overflow(n, 10u, &n) || __builtin_add_overflow(n, d, &n)) fits = false;
      }
    }
    bool integer = true;
    if (p_ != end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      const char* digits = p_;
      while (p_ != end_ && digit(*p_)) ++p_;
      // Boost.JSON fails an exponent that overflows its arithmetic (about 2^31, less the digits'
      // bias); up to 8 digits it never does.
      if (p_ == digits || p_ - digits > 8) return false;
    }
    if (integer && fits && !negative) h.on_count(n);
    else h.on_other();  // a fraction, a negative or a larger integer (Boost.JSON: int64 or double)
    return true;
  }

  // The bytes of a string up to its next '"', '\\' or control character (or the end), and whether
  // any of them is not ASCII: those are checked as UTF-8 afterwards, in one pass over the run
  // (Turkish text has a non-ASCII letter every few bytes; stopping at each would cost more).
  std::size_t run(const char* from, bool& non_ascii) const {
    const char* q = from;
#if defined(__SSE2__)
    __m128i high = _mm_setzero_si128();
    for (; end_ - q >= 16; q += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      if (const unsigned mask = json_special_bytes(v)) {
        const auto n = static_cast<unsigned>(__builtin_ctz(mask));
        // Only the bytes before the special one count.
        non_ascii = _mm_movemask_epi8(high) != 0 || (_mm_movemask_epi8(v) & ((1u << n) - 1)) != 0;
        return static_cast<std::size_t>(q - from) + n;
      }
      high = _mm_or_si128(high, v);
    }
    non_ascii = _mm_movemask_epi8(high) != 0;
#else
    non_ascii = false;
#endif
    for (; q != end_; ++q) {
      const auto c = static_cast<unsigned char>(*q);
      if (c < 0x20 || c == '"' || c == '\\') break;
      if (c >= 0x80) non_ascii = true;
    }
    return static_cast<std::size_t>(q - from);
  }

  // Whether [p, end) is well-formed UTF-8 as Unicode's table 3-7 says: no overlong forms, no
  // surrogates, nothing above U+10FFFF, no sequence cut short.
  static bool valid_utf8(const char* p, const char* end) {
    while (p != end) {
#if defined(__SSE2__)
      // Skips the ASCII bytes before the next non-ASCII one, up to 16 at a time.
      if (end - p >= 16) {
        const int mask = _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        if (mask == 0) {
          p += 16;
          continue;
        }
        p += __builtin_ctz(static_cast<unsigned>(mask));
      }
#endif
      const auto b0 = static_cast<unsigned char>(*p);
      if (b0 < 0x80) {
        ++p;
        continue;
      }
      const auto left = end - p;
      const auto cont = [p](std::ptrdiff_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
        const auto b = static_cast<unsigned char>(p[i]);
        return b >= lo && b <= hi;
      };
      std::ptrdiff_t n = 0;
      if (b0 >= 0xC2 && b0 <= 0xDF) n = left >= 2 && cont(1) ? 2 : 0;
      else if (b0 == 0xE0) n = left >= 3 && cont(1, 0xA0) && cont(2) ? 3 : 0;
      else if (b0 == 0xED) n = left >= 3 && cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
      else if (b0 >= 0xE1 && b0 <= 0xEF) n = left >= 3 && cont(1) && cont(2) ? 3 : 0;
      else if (b0 == 0xF0) n = left >= 4 && cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
      else if (b0 >= 0xF1 && b0 <= 0xF3) n = left >= 4 && cont(1) && cont(2) && cont(3) ? 4 : 0;
      else if (b0 == 0xF4) n = left >= 4 && cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
      if (n == 0) return false;
      p += n;
    }
    return true;
  }

  bool hex4(unsigned& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = hex_digit_value(p_[i]);
      if (d < 0) return false;
      out = out * 16 + static_cast<unsigned>(d);
    }
    p_ += 4;
    return true;
  }
  void append_utf8(unsigned cp) {
    if (cp < 0x80) {
      scratch_.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      scratch_.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      scratch_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      scratch_.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      scratch_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      scratch_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      scratch_.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      scratch_.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      scratch_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      scratch_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  // One escape after its backslash, decoded into scratch_; a lone or reversed surrogate is refused.
  bool escape() {
    if (p_ == end_) return false;
    const char c = *p_++;
    switch (c) {
      case '"': case '\\': case '/': scratch_.push_back(c); return true;
      case 'b': scratch_.push_back('\b'); return true;
      case 'f': scratch_.push_back('\f'); return true;
      case 'n': scratch_.push_back('\n'); return true;
      case 'r': scratch_.push_back('\r'); return true;
      case 't': scratch_.push_back('\t'); return true;
      case 'u': break;
      default: return false;
    }
    unsigned cp = 0;
    if (!hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      unsigned low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(cp);
    return true;
  }

  // The string at p_ (its opening quote); `out` views the input, or scratch_ when it held escapes.
  bool string(std::string_view& out) {
    const char* begin = ++p_;
    bool escaped = false;
    for (;;) {
      const char* from = p_;
      bool non_ascii = false;
      p_ += run(p_, non_ascii);
      if (non_ascii && !valid_utf8(from, p_)) return false;
      if (escaped) scratch_.append(from, p_);
      if (p_ == end_) return false;
      if (*p_ == '"') break;
      if (*p_ != '\\') return false;  // a control character
      if (!escaped) scratch_.assign(begin, p_);
      escaped = true;
      ++p_;
      if (!escape()) return false;
    }
    out = escaped ? std::string_view(scratch_) : std::string_view(begin, static_cast<std::size_t>(p_ - begin));
    ++p_;
    return true;
  }
};

}  // namespace detail

/// Reads `text` (one JSON document) into `h`; `unsure` when it may not be valid JSON: the handler
/// has then seen part of it and its state is to be thrown away.
template <class Handler>
json_scan_result json_scan(std::string_view text, Handler& h) {
  detail::json_scanner s(text);
  return s.document(h) ? json_scan_result::ok : json_scan_result::unsure;
}

}  // namespace gateway
