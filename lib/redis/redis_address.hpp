// REDIS_URL: where the shared tier lives. redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or
// unix:PATH (also unix://PATH). Pure; the password is kept for AUTH and never printed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gateway::redis {

struct redis_address {
  std::string host;  // empty for a unix socket
  unsigned short port = 6379;
  std::string unix_path;
  unsigned db = 0;
  std::string user, password;  // AUTH when the password is set

  /// Where it points, without credentials (for logs).
  std::string describe() const;

  bool operator==(const redis_address&) const = default;
};

/// nullopt and `why` for anything that is not one of the two forms above.
std::optional<redis_address> parse_redis_url(std::string_view url, std::string& why);

}  // namespace gateway::redis
