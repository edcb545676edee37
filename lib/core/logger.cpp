#include "core/logger.hpp"

#include "core/line_writer.hpp"

#include <fmt/chrono.h>

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
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    case log_level::off: return "off";
  }
  return "?";
}

std::optional<log_format> parse_log_format(std::string_view text) {
  if (text == "text") return log_format::text;
  if (text == "json") return log_format::json;
  return std::nullopt;
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string text_escape(std::string_view text) {
  const auto is_control = [](unsigned char u) { return u < 0x20 || u == 0x7f; };
  const auto is_c1_at = [&](std::size_t i) {  // U+0080..U+009F: C2 80..C2 9F in UTF-8
    return static_cast<unsigned char>(text[i]) == 0xc2 && i + 1 < text.size() &&
           static_cast<unsigned char>(text[i + 1]) >= 0x80 && static_cast<unsigned char>(text[i + 1]) <= 0x9f;
  };
  std::size_t i = 0;
  while (i < text.size() && !is_control(static_cast<unsigned char>(text[i])) && !is_c1_at(i)) ++i;
  if (i == text.size()) return std::string(text);  // nearly every line: one scan, one copy
  std::string out(text.substr(0, i));
  for (; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u == '\n') {
      out += "\\n";
    } else if (u == '\r') {
      out += "\\r";
    } else if (u == '\t') {
      out += "\\t";
    } else if (is_control(u)) {
      out += fmt::format("\\x{:02x}", u);
    } else if (is_c1_at(i)) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

logger logger::to_writer(log_level min, log_format format, std::shared_ptr<line_writer> writer) {
  return logger(min, [format, writer = std::move(writer)](log_level level, std::string_view message) {
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    writer->write(format == log_format::json
                      ? fmt::format("{{\"time\":\"{:%Y-%m-%dT%H:%M:%S}Z\",\"level\":\"{}\",\"msg\":\"{}\"}}\n", now,
                                    to_string(level), json_escape(message))
                      : fmt::format("{:%Y-%m-%dT%H:%M:%S}Z {:<5} {}\n", now, to_string(level), text_escape(message)));
  });
}

logger logger::to_stderr(log_level min) {
  return logger(min, [](log_level level, std::string_view message) {
    const auto now = std::chrono::system_clock::now();
    // One fwrite per line: lines from different threads never interleave mid-line.
    const std::string line =
        fmt::format("{:%Y-%m-%dT%H:%M:%S}Z {:<5} {}\n",
                    std::chrono::floor<std::chrono::seconds>(now), to_string(level), text_escape(message));
    std::fwrite(line.data(), 1, line.size(), stderr);
  });
}

}  // namespace gateway
