#include "upstream/provider.hpp"

namespace gateway {

std::string redact_secret(std::string text, std::string_view secret) {
  if (secret.size() < 4) return text;
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos))
    text.replace(pos, secret.size(), "[redacted]");
  return text;
}

std::string provider::redact(std::string text) const {
  for (const auto& key : api_keys) text = redact_secret(std::move(text), key);
  return text;
}

}  // namespace gateway
