// A bounded memo of results by text: looked up without allocating; when it grows past its byte
// budget it starts over (chat/question_memo.hpp keeps /chat's question readings in it).
// Threading: none - its owner locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gateway {

template <class Value>
class text_memo {
 public:
  explicit text_memo(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  /// The remembered value for `key`, or null. Valid until the next put().
  const Value* find(std::string_view key) const {
    const auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  /// Remembers `value`, charged `charge` bytes; returns the stored value.
  const Value& put(std::string_view key, Value value, std::size_t charge) {
    if (bytes_ + charge > max_bytes_) clear();
    bytes_ += charge;
    return map_.insert_or_assign(std::string(key), std::move(value)).first->second;
  }

 private:
  void clear() {
    map_.clear();
    bytes_ = 0;
  }
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Value, text_hash, std::equal_to<>> map_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
};

}  // namespace gateway
