#include "cluster/shared_answer_store.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "cache/entry_codec.hpp"
#include "core/text.hpp"

namespace gateway::cluster {

std::string key_prefix(const cache_key& key) {
  std::string out = "cgw:{";
  out.reserve(5 + 64 + 2);
  append_hex(out, key);
  out.append("}:");
  return out;
}

shared_answer_store::shared_answer_store(cache_limits limits, std::shared_ptr<redis::redis_client> redis)
    : local_(limits), redis_(std::move(redis)), ttl_(limits.ttl) {}

asio::awaitable<std::shared_ptr<const cached_answer>> shared_answer_store::find_shared(
    const cache_key& key, clock_type::time_point deadline) {
  // REDIS_TIMEOUT bounds the wait; a request whose own deadline is nearer does not ask at all.
  if (clock_type::now() >= deadline || !redis_->up()) {
    shared_misses_.fetch_add(1, std::memory_order_relaxed);
    co_return nullptr;
  }
  std::vector<std::string> get{"GET", key_prefix(key) + "a"};  // not a braced list inside co_await (GCC 12)
  auto reply = co_await redis_->command(std::move(get));
  if (!reply.ok() || reply.value.type != redis::resp_value::kind::bulk) {
    (reply.ok() && reply.value.is_null() ? shared_misses_ : shared_failures_).fetch_add(1, std::memory_order_relaxed);
    co_return nullptr;
  }
  auto entry = decode_entry(reply.value.text);
  if (!entry) {  // another version, or not ours: a miss, never a guess
    shared_failures_.fetch_add(1, std::memory_order_relaxed);
    co_return nullptr;
  }
  shared_hits_.fetch_add(1, std::memory_order_relaxed);
  local_.store(key, *entry);
  co_return std::make_shared<const cached_answer>(std::move(*entry));
}

void shared_answer_store::store(const cache_key& key, cached_answer answer) {
  auto bytes = encode_entry(answer);
  local_.store(key, std::move(answer));
  redis_->send({"SET", key_prefix(key) + "a", std::move(bytes), "PX", std::to_string(ttl_.count())});
}

void shared_answer_store::keep_local(const cache_key& key, cached_answer answer, bool shared_hit) {
  if (shared_hit) shared_hits_.fetch_add(1, std::memory_order_relaxed);
  local_.store(key, std::move(answer));
}

std::optional<cached_answer> read_shared_entry(std::string_view bytes) { return decode_entry(bytes); }

cache_stats shared_answer_store::stats() const {
  auto s = local_.stats();
  s.shared_hits = shared_hits_.load(std::memory_order_relaxed);
  s.shared_misses = shared_misses_.load(std::memory_order_relaxed);
  s.shared_failures = shared_failures_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace gateway::cluster
