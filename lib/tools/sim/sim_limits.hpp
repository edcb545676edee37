// groq-sim's rate limits, as Groq applies them: per key and per model, each pair with a requests
// window and a tokens window of its own. Fixed windows that start with a pair's first request.
// Every answer carries x-ratelimit-{limit,remaining,reset}-{requests,tokens} for the limits set
// (resets in Go's duration format, as Groq writes them); a request that finds a window spent
// (nothing remaining) is refused with the time until it resets. Sans-io: time is passed in.
// Threading: not thread-safe; sim_server holds its mutex around it.
#pragma once

#include "core/clock.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gateway::sim {

struct sim_limit {
  unsigned requests = 0;  // per requests_window; 0: no limit (and no headers for it)
  std::chrono::milliseconds requests_window{60'000};
  unsigned tokens = 0;    // prompt plus completion tokens per tokens_window, charged on admission
  std::chrono::milliseconds tokens_window{60'000};
  bool any() const { return requests || tokens; }
};

struct limit_verdict {
  bool allowed = true;
  std::vector<std::pair<std::string, std::string>> headers;  // x-ratelimit-*, after this request
  std::chrono::milliseconds retry_after{0};                  // when refused: until the reset
};

class rate_windows {
 public:
  /// Admits (and charges `tokens`) or refuses one request of `key` for `model` under `limit`.
  limit_verdict admit(const std::string& key, const std::string& model, const sim_limit& limit, std::uint64_t tokens,
                      clock_type::time_point now);
  void clear() { windows_.clear(); }

 private:
  struct window {
    clock_type::time_point start{};
    std::uint64_t used = 0;
    bool open = false;
  };
  std::map<std::string, std::pair<window, window>> windows_;  // "key\nmodel" -> requests, tokens
};

/// "N/min", "N/s", "N/h", "N/day" or "N/<Go duration>" ("30/10s"); false when it is not one.
bool parse_limit(const std::string& text, unsigned& count, std::chrono::milliseconds& window);

}  // namespace gateway::sim
