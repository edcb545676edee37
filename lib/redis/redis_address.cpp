#include "redis/redis_address.hpp"

#include <fmt/format.h>

#include <charconv>

namespace gateway::redis {
namespace {

template <class N>
bool to_number(std::string_view text, N& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::string redis_address::describe() const {
  if (!unix_path.empty()) return fmt::format("unix:{}", unix_path);
  return fmt::format("redis://{}:{}/{}", host, port, db);
}

std::optional<redis_address> parse_redis_url(std::string_view url, std::string& why) {
  redis_address a;
  if (url.starts_with("unix:")) {
    url.remove_prefix(5);
    if (url.starts_with("//")) url.remove_prefix(2);
    if (url.empty() || url.front() != '/') {
      why = "must be unix:/absolute/path";
      return std::nullopt;
    }
    a.unix_path = std::string(url);
    return a;
  }
  if (!url.starts_with("redis://")) {
    why = "must start with redis:// or unix: (no TLS: Debian's Redis client stack here has none)";
    return std::nullopt;
  }
  url.remove_prefix(8);
  if (const auto at = url.rfind('@'); at != std::string_view::npos) {
    const auto credentials = url.substr(0, at);
    url.remove_prefix(at + 1);
    const auto colon = credentials.find(':');
    if (colon == std::string_view::npos) {
      a.password = std::string(credentials);  // redis://PASSWORD@host, as redis-cli -u reads it
    } else {
      a.user = std::string(credentials.substr(0, colon));
      a.password = std::string(credentials.substr(colon + 1));
    }
  }
  if (const auto slash = url.find('/'); slash != std::string_view::npos) {
    const auto db = url.substr(slash + 1);
    url = url.substr(0, slash);
    if (!db.empty() && !to_number(db, a.db)) {
      why = "has a database that is not a number";
      return std::nullopt;
    }
  }
  std::string_view host = url;
  if (host.starts_with('[')) {  // [::1]:6379
    const auto close = host.find(']');
    if (close == std::string_view::npos) {
      why = "has an unclosed [IPv6 address]";
      return std::nullopt;
    }
    const auto rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty() && (!rest.starts_with(':') || !to_number(rest.substr(1), a.port))) {
      why = "has a bad port";
      return std::nullopt;
    }
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    if (!to_number(host.substr(colon + 1), a.port) || a.port == 0) {
      why = "has a bad port";
      return std::nullopt;
    }
    host = host.substr(0, colon);
  }
  if (host.empty()) {
    why = "has no host";
    return std::nullopt;
  }
  a.host = std::string(host);
  return a;
}

}  // namespace gateway::redis
