#include "chat/chat_key.hpp"


#include <fmt/format.h>

#include <array>
#include <string>

namespace gateway {
namespace {

// Bump the version when what an entry holds for /chat changes meaning.
constexpr std::string_view domain = "chat-v3";

cache_key_builder make_builder(const gateway_config& cfg) {
  const auto sampling = fmt::format("{}|{}|{}", cfg.max_new_tokens, cfg.temperature, cfg.top_p);
  const std::array<std::string_view, 5> fixed{cfg.cache_match_similar ? "similar" : "exact", cfg.model,
                                              cfg.system_prompt, cfg.reasoning_effort, sampling};
  return cache_key_builder(domain, fixed);
}

}  // namespace

chat_key_builder::chat_key_builder(const gateway_config& cfg) : keys_(make_builder(cfg)) {}

cache_key chat_key_builder::operator()(std::string_view question, std::span<const chat_message> history,
                                       bool similar) const {
  auto h = keys_.start();
  h.add(similar ? "s" : "e");
  h.add(question);
  const auto count = std::to_string(history.size());
  h.add(count);
  for (const auto& m : history) h.add(m.role).add(m.content);
  return h.finish();
}

cache_key make_cache_key(std::string_view normalized_question, std::span<const chat_message> history,
                         const gateway_config& cfg) {
  return chat_key_builder(cfg)(normalized_question, history);
}

}  // namespace gateway
