// The upstream's base URL (GROQ_BASE_URL) split into what a connection and a request need.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gateway {

struct base_url {
  bool tls = true;           // https (true) or plain http (false)
  std::string host;          // name or IP literal, without brackets
  std::string port;          // explicit or the scheme's default
  std::string path_prefix;   // e.g. "/openai/v1", never ending in '/'

  /// The value for the Host header: host, plus ":port" when it is not the scheme's default.
  std::string host_header() const;
  /// Full request target for an API path such as "/chat/completions".
  std::string target(std::string_view api_path) const { return path_prefix + std::string(api_path); }
  /// True when `host` is an IP literal (then no SNI is sent, per RFC 6066).
  bool host_is_ip() const;

  bool operator==(const base_url&) const = default;
};

/// Parses an absolute http(s) URL; returns nullopt and sets `why` when it is not usable.
std::optional<base_url> parse_base_url(std::string_view text, std::string& why);

}  // namespace gateway
