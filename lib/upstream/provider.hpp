// What is particular to one OpenAI-compatible provider (today: Groq), in one description: where it
// lives, how a request is authorized, which API paths it serves, how its rate-limit headers read,
// and how its secrets are kept out of anything passed on. upstream_client and upstream_caller only
// ask this; handlers and the relay never see a key or a provider's header name. Several keys are
// routes of one provider (upstream_routes), each named by its position, never by its text.
// Threading: immutable after construction.
#pragma once

#include "transport/base_url.hpp"
#include "upstream/rate_limits.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

struct provider {
  std::string name = "groq";
  base_url url{true, "api.groq.com", "443", "/openai/v1"};
  std::vector<std::string> api_keys;  // GROQ_API_KEYS; each sent as "Authorization: Bearer"; never logged

  std::string chat_completions_target() const { return url.target("/chat/completions"); }
  std::string models_target() const { return url.target("/models"); }
  /// Key `key`'s Authorization header value, or "" when no key is configured.
  std::string authorization(std::size_t key) const {
    return key < api_keys.size() && !api_keys[key].empty() ? "Bearer " + api_keys[key] : std::string();
  }
  /// Groq's x-ratelimit-* headers (read through `header`, "" when absent).
  rate_limit_snapshot rate_limits(const std::function<std::string(std::string_view)>& header) const {
    return parse_rate_limits(header);
  }
  /// `text` with every secret of this provider replaced: upstream messages may echo a key.
  std::string redact(std::string text) const;
};

/// `text` with every occurrence of `secret` replaced by "[redacted]" (secrets under 4 bytes are
/// left alone: they would match ordinary text).
std::string redact_secret(std::string text, std::string_view secret);

}  // namespace gateway
