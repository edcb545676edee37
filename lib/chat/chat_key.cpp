#include "chat/chat_key.hpp"

#include "core/text_memo.hpp"

#include <fmt/format.h>

#include <array>
#include <atomic>
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

chat_key_builder::chat_key_builder(const gateway_config& cfg) : keys_(make_builder(cfg)) {
  static std::atomic<std::uint64_t> instances{0};
  id_ = ++instances;
}

cache_key chat_key_builder::operator()(std::string_view question, std::span<const chat_message> history,
                                       bool similar) const {
  constexpr std::size_t memo_max_question = 512;
  if (!history.empty() || question.size() > memo_max_question) return compute(question, history, similar);
  thread_local text_memo<cache_key> recent_similar(1 << 20), recent_exact(1 << 20);
  auto& recent = similar ? recent_similar : recent_exact;
  recent.owned_by(id_);  // keys of another configuration never answer for this one
  if (const auto* known = recent.find(question)) return *known;
  return recent.put(question, compute(question, history, similar), question.size() + sizeof(cache_key) + 64);
}

cache_key chat_key_builder::compute(std::string_view question, std::span<const chat_message> history,
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
