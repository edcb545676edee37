// Per-client limits shared by every instance: RATE_LIMIT_RPM (requests per minute) and
// RATE_LIMIT_TPM (completion tokens per minute). With Redis, one atomic Lua script per check
// (GCRA on Redis's own clock, so instances' clocks do not matter; the client's two keys share a
// hash tag, cgw:rl:{CLIENT}:r and :t, so it runs on Redis Cluster too); without Redis, or when
// Redis does not answer in time, the same arithmetic (gcra.hpp) in this process - per instance.
// A request takes one unit of RPM when allowed; tokens are charged when the answer is done, and a
// client in token debt is refused until it is paid off. The limits may be given per check (the
// gateway passes those of the request's configuration generation: a reload changes them live, and
// what a client has used so far counts against the new ones).
// Threading: thread-safe.
#pragma once

#include "net/asio_fwd.hpp"
#include "redis/redis_client.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gateway::cluster {

struct rate_limit_settings {
  unsigned rpm = 0;  // 0: no limit
  unsigned tpm = 0;
  bool enabled() const { return rpm > 0 || tpm > 0; }
  bool operator==(const rate_limit_settings&) const = default;
};

struct limit_verdict {
  bool allowed = true;
  bool by_tokens = false;  // refused for tokens (else for requests)
  std::int64_t remaining_requests = -1, remaining_tokens = -1;  // -1: that limit is off
  double reset_requests_ms = 0, reset_tokens_ms = 0;
  double retry_after_ms = 0;
  bool shared = false;  // decided by Redis (false: by this instance alone)
};

struct limiter_stats {
  std::uint64_t limited_requests = 0, limited_tokens = 0;  // refusals by reason
  std::uint64_t shared_checks = 0, local_checks = 0;
};

class rate_limiter {
 public:
  /// `redis` may be null (no REDIS_URL).
  rate_limiter(rate_limit_settings settings, std::shared_ptr<redis::redis_client> redis);

  bool enabled() const { return settings_.rpm > 0 || settings_.tpm > 0; }
  const rate_limit_settings& settings() const { return settings_; }

  /// Whether `client` may send one more request now (and takes it from its RPM).
  asio::awaitable<limit_verdict> check(std::string client) {
    return check(std::move(client), settings_);
  }
  /// The same under `limits` instead of the constructor's.
  asio::awaitable<limit_verdict> check(std::string client, rate_limit_settings limits);
  /// The completion tokens an answered request cost.
  void charge(const std::string& client, std::uint64_t tokens) {
    charge(client, tokens, settings_);
  }
  /// The same under `limits` (those its check had).
  void charge(const std::string& client, std::uint64_t tokens, rate_limit_settings limits);

  limiter_stats stats() const;

 private:
  struct tats {
    double requests = 0, tokens = 0;
  };
  limit_verdict check_local(const std::string& client, double now_ms, rate_limit_settings limits);
  tats& local_entry(const std::string& client, double now_ms);  // mutex_ held
  limit_verdict count(limit_verdict v);

  rate_limit_settings settings_;
  std::shared_ptr<redis::redis_client> redis_;
  std::mutex mutex_;
  std::unordered_map<std::string, tats> local_;  // guarded by mutex_
  std::atomic<std::uint64_t> limited_requests_{0}, limited_tokens_{0}, shared_checks_{0}, local_checks_{0};
};

}  // namespace gateway::cluster
