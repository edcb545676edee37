#include "core/logger.hpp"

#include "core/line_writer.hpp"
#include "core/text.hpp"
#include "core/utf8.hpp"

#include <fmt/chrono.h>

#include <array>
#include <chrono>
#include <cstdio>

namespace gateway {

std::optional<log_level> parse_log_level(std::string_view text) {
  if (text == "debug") return log_level::debug;
  if (text == "info") return log_level::info;
  if (text == "warn" || text == "warning") return log_level::warn;
  if (text == "error") return log_level::error;
  if (text == "off") return log_level::off;
  return std::nullopt;
}

std::string_view to_string(log_level level) {
  switch (level) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
    case log_level::off:
      return "off";
  }
  return "?";
}

std::optional<log_format> parse_log_format(std::string_view text) {
  if (text == "text") return log_format::text;
  if (text == "json") return log_format::json;
  return std::nullopt;
}

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// Where the plain part of `text` ends for a log line (or a span's string): the first control
// character, DEL, backslash, byte past ASCII or, in JSON, quote. ASCII is nearly every byte; what
// is past it is looked at a character at a time. One table lookup a byte, and sixteen bytes at a
// time where SSE2 is there (a recorded request's export escapes about a kilobyte of names and
// values: benchmark 12).
template <bool json>
constexpr std::array<bool, 256> stops = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = c < 0x20 || c >= 0x7f || c == '\\' || (json && c == '"');
  return t;
}();

template <bool json>
std::size_t plain_ascii_prefix(std::string_view text) {
  std::size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    __m128i special = _mm_or_si128(control_or_backslash(v), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
    if constexpr (json) special = _mm_or_si128(special, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
    // movemask of `v` itself: the bytes past ASCII.
    if (const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special) | _mm_movemask_epi8(v)))
      return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  while (i < text.size() && !stops<json>[static_cast<unsigned char>(text[i])]) ++i;
  return i;
}

void append_hex_byte(std::string& out, std::string_view prefix, unsigned char u) {
  out += prefix;
  out += hex_digits[u >> 4];
  out += hex_digits[u & 15];
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) {
  while (!text.empty()) {
    const auto plain = plain_ascii_prefix<true>(text);
    out.append(text.data(), plain);
    text.remove_prefix(plain);
    if (text.empty()) break;
    const auto u = static_cast<unsigned char>(text[0]);
    if (u == '"' || u == '\\') {
      out += '\\';
      out += static_cast<char>(u);
      text.remove_prefix(1);
    } else if (u < 0x20) {
      append_hex_byte(out, "\\u00", u);
      text.remove_prefix(1);
    } else if (u == 0x7f) {
      out += static_cast<char>(u);  // valid in a JSON string
      text.remove_prefix(1);
    } else if (const auto n = utf8_sequence_length(text)) {
      out.append(text.data(), n);
      text.remove_prefix(n);
    } else {
      out += "\\ufffd";
      text.remove_prefix(1);
    }
  }
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_json_escaped(out, text);
  return out;
}

void append_text_escaped(std::string& out, std::string_view text) {
  while (!text.empty()) {
    const auto plain = plain_ascii_prefix<false>(text);
    out.append(text.data(), plain);
    text.remove_prefix(plain);
    if (text.empty()) break;
    const auto u = static_cast<unsigned char>(text[0]);
    std::size_t n = 1;
    if (u == '\n') {
      out += "\\n";
    } else if (u == '\r') {
      out += "\\r";
    } else if (u == '\t') {
      out += "\\t";
    } else if (u == '\\') {
      out += "\\\\";
    } else if (u < 0x80) {  // the other C0 controls and DEL
      append_hex_byte(out, "\\x", u);
    } else if ((n = utf8_sequence_length(text)) == 0) {  // not UTF-8: the byte itself
      append_hex_byte(out, "\\x", u);
      n = 1;
    } else if (n == 2 && u == 0xc2 &&
               static_cast<unsigned char>(text[1]) <= 0x9f) {  // C1: U+0080..U+009F
      append_hex_byte(out, "\\u00", static_cast<unsigned char>(text[1]));
    } else {
      out.append(text.data(), n);
    }
    text.remove_prefix(n);
  }
}

std::string text_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_text_escaped(out, text);
  return out;
}

std::string text_excerpt(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text_escape(text);
  // A well-formed character that the cut would split is left out whole (invalid bytes are
  // escaped one by one anyway).
  std::size_t cut = max_bytes;
  for (std::size_t lead = cut; lead > 0 && cut - lead < 3;) {
    --lead;
    if (const auto n = utf8_sequence_length(text.substr(lead))) {
      if (lead + n > cut) cut = lead;
      break;
    }
  }
  auto out = text_escape(text.substr(0, cut));
  out += "...";
  return out;
}

std::string_view utc_second_text(std::chrono::system_clock::time_point now) {
  static thread_local std::chrono::sys_seconds second{std::chrono::seconds::min()};
  static thread_local std::array<char, 21> text{};
  const auto s = std::chrono::floor<std::chrono::seconds>(now);
  if (s != second) {
    second = s;
    fmt::format_to_n(text.data(), text.size(), "{:%Y-%m-%dT%H:%M:%S}Z", s);
  }
  return std::string_view(text.data(), 20);
}

logger logger::to_writer(log_level min, log_format format, std::shared_ptr<line_writer> writer) {
  return logger(min,
                [format, writer = std::move(writer)](log_level level, std::string_view message) {
                  // Built in a per-thread string that keeps its capacity: no allocation per line.
                  static thread_local std::string line;
                  line.clear();
                  const auto time = utc_second_text(std::chrono::system_clock::now());
                  if (format == log_format::json) {
                    line += R"({"time":")";
                    line += time;
                    line += R"(","level":")";
                    line += to_string(level);
                    line += R"(","msg":")";
                    append_json_escaped(line, message);
                    line += "\"}\n";
                  } else {
                    line += time;
                    line += ' ';
                    const auto name = to_string(level);
                    line += name;
                    line.append(name.size() < 5 ? 5 - name.size() : 0, ' ');
                    line += ' ';
                    append_text_escaped(line, message);
                    line += '\n';
                  }
                  writer->write(line);
                });
}

logger logger::to_stderr(log_level min) {
  return logger(min, [](log_level level, std::string_view message) {
    // One fwrite per line: lines from different threads never interleave mid-line.
    const std::string line =
        fmt::format("{} {:<5} {}\n", utc_second_text(std::chrono::system_clock::now()),
                    to_string(level), text_escape(message));
    std::fwrite(line.data(), 1, line.size(), stderr);
  });
}

}  // namespace gateway
