#include "cache/response_cache.hpp"

#include <cstring>

namespace gateway {
namespace {
std::size_t floor_power_of_two(std::size_t n) {
  std::size_t p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}
}  // namespace

std::size_t cache_key_hash::operator()(const cache_key& k) const noexcept {
  std::size_t h;
  std::memcpy(&h, k.data() + 8, sizeof h);
  return h;
}

response_cache::response_cache(cache_limits limits, clock_fn clock)
    : limits_(limits), clock_(std::move(clock)) {
  const std::size_t entries = std::max<std::size_t>(1, limits_.max_entries);
  // Per-shard budgets are rounded down, so the totals never exceed the configured bounds.
  const std::size_t n = floor_power_of_two(std::clamp<std::size_t>(limits_.shards, 1, entries));
  entries_per_shard_ = entries / n;
  bytes_per_shard_ = limits_.max_bytes / n;
  shards_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<shard>());
}

response_cache::shard& response_cache::shard_for(const cache_key& key) {
  std::size_t h;
  std::memcpy(&h, key.data(), sizeof h);
  return *shards_[h & (shards_.size() - 1)];
}

void response_cache::erase(shard& s, std::list<entry>::iterator it) {
  s.bytes -= it->charge;
  s.index.erase(it->key);
  s.lru.erase(it);
}

std::shared_ptr<const cached_answer> response_cache::find(const cache_key& key) {
  auto& s = shard_for(key);
  const auto now = clock_();
  std::lock_guard lock(s.mutex);
  const auto found = s.index.find(key);
  if (found == s.index.end()) {
    ++misses_;
    return nullptr;
  }
  const auto it = found->second;
  if (it->expires <= now) {
    erase(s, it);
    ++expirations_;
    ++misses_;
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, it);
  ++hits_;
  return it->value;
}

void response_cache::store(const cache_key& key, cached_answer answer) {
  const std::size_t charge = answer.charge();
  if (charge > bytes_per_shard_) return;
  auto value = std::make_shared<const cached_answer>(std::move(answer));
  auto& s = shard_for(key);
  const auto expires = clock_() + limits_.ttl;
  std::lock_guard lock(s.mutex);
  if (auto found = s.index.find(key); found != s.index.end()) erase(s, found->second);
  while (!s.lru.empty() && (s.lru.size() >= entries_per_shard_ || s.bytes + charge > bytes_per_shard_)) {
    erase(s, std::prev(s.lru.end()));
    ++evictions_;
  }
  s.lru.push_front(entry{key, std::move(value), expires, charge});
  s.index.emplace(key, s.lru.begin());
  s.bytes += charge;
  ++stores_;
}

cache_stats response_cache::stats() const {
  cache_stats out{hits_.load(), misses_.load(), stores_.load(), evictions_.load(), expirations_.load(), 0, 0};
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    out.entries += s->lru.size();
    out.bytes += s->bytes;
  }
  return out;
}

}  // namespace gateway
