#include "config/otel_settings.hpp"

#include "core/text.hpp"

#include <optional>

namespace gateway {
namespace {

std::optional<std::string> percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit_value(s[i + 1]) >= 0 && hex_digit_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  for (const unsigned char c : out)
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  return out;
}

}  // namespace

std::string otel_settings::traces_url() const {
  if (!traces_endpoint.empty()) return traces_endpoint;
  std::string base = endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/v1/traces";
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_otel_pairs(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = trim_ows(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto key = percent_decoded(trim_ows(item.substr(0, eq)));
    auto value = percent_decoded(trim_ows(item.substr(eq + 1)));
    if (!key || !value || key->empty()) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace gateway
