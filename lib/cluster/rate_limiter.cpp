#include "cluster/rate_limiter.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "cluster/gcra.hpp"
#include "redis/redis_script.hpp"


namespace gateway::cluster {
namespace {

// KEYS[1], KEYS[2]: the client's request and token TATs; ARGV[1], ARGV[2]: RPM, TPM (0: off).
// Returns {allowed, reason (0, 1 requests, 2 tokens), remaining requests, reset requests ms,
// remaining tokens, reset tokens ms, retry after ms}. The same arithmetic as gcra.hpp.
constexpr std::string_view check_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local W = 60000
local rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {1, 0, -1, 0, -1, 0, 0}
if tpm > 0 then
  local iv = W / tpm
  local tat = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), now)
  if tat + iv - now > W + 0.000001 then
    return {0, 2, 0, 0, 0, math.ceil(tat - now), math.ceil(tat + iv - now - W)}
  end
  out[5] = math.floor((W - (tat - now)) / iv + 0.000000001)
  out[6] = math.ceil(tat - now)
end
if rpm > 0 then
  local iv = W / rpm
  local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
  if tat + iv - now > W + 0.000001 then
    return {0, 1, 0, math.ceil(tat - now), out[5], out[6], math.ceil(tat + iv - now - W)}
  end
  tat = tat + iv
  redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
  out[3] = math.floor((W - (tat - now)) / iv + 0.000000001)
  out[4] = math.ceil(tat - now)
end
return out
)lua";

// KEYS[1]: the token TAT; ARGV[1]: TPM; ARGV[2]: tokens spent.
constexpr std::string_view charge_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now) + 60000 / tonumber(ARGV[1]) * tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
return 1
)lua";

const redis::redis_script& checker() {
  static const redis::redis_script script(check_script);
  return script;
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(clock_type::now().time_since_epoch()).count();
}

std::string limit_key(const std::string& client, char which) {
  std::string k = "cgw:rl:{";
  k.append(client);
  k.append("}:");
  k.push_back(which);
  return k;
}

}  // namespace

rate_limiter::rate_limiter(rate_limit_settings settings, std::shared_ptr<redis::redis_client> redis)
    : settings_(settings), redis_(std::move(redis)) {}

limit_verdict rate_limiter::count(limit_verdict v) {
  if (!v.allowed) (v.by_tokens ? limited_tokens_ : limited_requests_).fetch_add(1, std::memory_order_relaxed);
  (v.shared ? shared_checks_ : local_checks_).fetch_add(1, std::memory_order_relaxed);
  return v;
}

asio::awaitable<limit_verdict> rate_limiter::check(std::string client, rate_limit_settings limits) {
  if (redis_ && redis_->up()) {
    // Local vectors, not braced lists in the co_await expression (GCC 12, docs/architecture.md).
    std::vector<std::string> keys{limit_key(client, 'r'), limit_key(client, 't')};
    std::vector<std::string> args{std::to_string(limits.rpm), std::to_string(limits.tpm)};
    auto reply = co_await redis::run(*redis_, checker(), std::move(keys), std::move(args));
    const auto& items = reply.value.items;
    if (reply.ok() && items.size() == 7) {
      limit_verdict v;
      v.shared = true;
      v.allowed = items[0].integer == 1;
      v.by_tokens = items[1].integer == 2;
      v.remaining_requests = limits.rpm ? items[2].integer : -1;
      v.reset_requests_ms = static_cast<double>(items[3].integer);
      v.remaining_tokens = limits.tpm ? items[4].integer : -1;
      v.reset_tokens_ms = static_cast<double>(items[5].integer);
      v.retry_after_ms = static_cast<double>(items[6].integer);
      co_return count(v);
    }
    // Down, slow or refusing: this instance decides alone for now.
  }
  co_return count(check_local(client, now_ms(), limits));
}

rate_limiter::tats& rate_limiter::local_entry(const std::string& client, double now) {
  // Bounded: past 100,000 clients, those whose budgets are whole again are forgotten.
  if (local_.size() > 100'000)
    std::erase_if(local_, [&](const auto& e) { return e.second.requests <= now && e.second.tokens <= now; });
  return local_[client];
}

limit_verdict rate_limiter::check_local(const std::string& client, double now,
                                        rate_limit_settings limits) {
  std::lock_guard lock(mutex_);
  auto& t = local_entry(client, now);
  limit_verdict v;
  if (limits.tpm) {
    const auto d = gcra(t.tokens, now, limits.tpm, 0);
    v.remaining_tokens = d.remaining;
    v.reset_tokens_ms = d.reset_ms;
    if (!d.allowed) {
      v.allowed = false;
      v.by_tokens = true;
      v.retry_after_ms = d.retry_after_ms;
      return v;
    }
  }
  if (limits.rpm) {
    const auto d = gcra(t.requests, now, limits.rpm, 1);
    v.remaining_requests = d.remaining;
    v.reset_requests_ms = d.reset_ms;
    if (!d.allowed) {
      v.allowed = false;
      v.retry_after_ms = d.retry_after_ms;
      return v;
    }
    t.requests = d.tat_ms;
  }
  return v;
}

void rate_limiter::charge(const std::string& client, std::uint64_t tokens,
                          rate_limit_settings limits) {
  if (!limits.tpm || tokens == 0) return;
  {
    // Kept here too (the same bound as checks), so a fallback to local checks knows the debt.
    std::lock_guard lock(mutex_);
    const double now = now_ms();
    auto& t = local_entry(client, now);
    t.tokens = gcra_charge(t.tokens, now, limits.tpm, static_cast<double>(tokens));
  }
  if (!redis_ || !redis_->up()) return;
  // EVAL, not EVALSHA: nobody waits for this reply, so there is no NOSCRIPT to recover from.
  redis_->send({"EVAL", std::string(charge_script), "1", limit_key(client, 't'),
                std::to_string(limits.tpm), std::to_string(tokens)});
}

limiter_stats rate_limiter::stats() const {
  return {limited_requests_.load(), limited_tokens_.load(), shared_checks_.load(), local_checks_.load()};
}

}  // namespace gateway::cluster
