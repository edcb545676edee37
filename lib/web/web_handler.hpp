// Serves the embedded chat page and its files (web_assets.hpp): GET and HEAD, gzipped when the
// client accepts it, 304 when its copy is current, and the page's security headers on every
// reply. The bodies are written from the binary's static data, never copied.
// Threading: immutable; any number of requests at once.
#pragma once

#include "http/request_context.hpp"
#include "web/web_assets.hpp"

#include <chrono>

namespace gateway::web {

/// The page's Content-Security-Policy: nothing inline, nothing from elsewhere, never framed.
inline constexpr std::string_view content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

class web_handler {
 public:
  explicit web_handler(std::chrono::milliseconds write_timeout) : write_timeout_(write_timeout) {}

  asio::awaitable<bool> serve(request_context& rc, const web_asset& asset) const;

 private:
  std::chrono::milliseconds write_timeout_;
};

}  // namespace gateway::web
