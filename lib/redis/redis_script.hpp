// A Lua script run on Redis by its SHA-1 (EVALSHA), so the script's text crosses the wire only
// when Redis does not know it yet (first use, or a restarted Redis answering NOSCRIPT).
// Threading: a script is immutable; run() as redis_client::command.
#pragma once

#include "redis/redis_client.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gateway::redis {

class redis_script {
 public:
  explicit redis_script(std::string_view text);
  std::string_view text() const { return text_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string_view text_;  // a literal: outlives the script
  std::string sha1_;
};

/// EVALSHA with `keys` (the first `keys.size()` arguments) and `args`; EVAL once on NOSCRIPT.
asio::awaitable<redis_reply> run(redis_client& redis, const redis_script& script, std::vector<std::string> keys,
                                 std::vector<std::string> args);

}  // namespace gateway::redis
