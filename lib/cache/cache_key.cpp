#include "cache/cache_key.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace gateway {
namespace {
void add(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}
}  // namespace

cache_key make_cache_key(std::string_view normalized_question, std::span<const chat_message> history,
                         const gateway_config& cfg) {
  std::string canonical;
  canonical.reserve(normalized_question.size() + cfg.system_prompt.size() + 128);
  add(canonical, "chat-v1");
  add(canonical, normalized_question);
  add(canonical, std::to_string(history.size()));
  for (const auto& m : history) {
    add(canonical, m.role);
    add(canonical, m.content);
  }
  add(canonical, cfg.model);
  add(canonical, cfg.system_prompt);
  add(canonical, cfg.reasoning_effort);
  add(canonical, fmt::format("{}|{}|{}", cfg.max_new_tokens, cfg.temperature, cfg.top_p));
  cache_key key{};
  unsigned int len = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), key.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != key.size())
    throw std::runtime_error("SHA-256 failed");
  return key;
}

}  // namespace gateway
