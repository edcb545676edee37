#include "chat/question_memo.hpp"

#include <functional>

namespace gateway {

question_memo::shard& question_memo::shard_of(std::string_view question) const {
  return shards_[std::hash<std::string_view>{}(question) % shard_count];
}

std::optional<question_reading> question_memo::find(std::string_view question) const {
  auto& s = shard_of(question);
  std::lock_guard lock(s.mutex);
  const auto* known = s.memo.find(question);
  if (!known) return std::nullopt;
  return *known;
}

void question_memo::put(std::string_view question, const question_reading& reading) const {
  auto& s = shard_of(question);
  const auto charge = question.size() + reading.normalized.size() + sizeof(question_reading) + 64;
  std::lock_guard lock(s.mutex);
  s.memo.put(question, reading, charge);
}

}  // namespace gateway
