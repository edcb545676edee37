// The access log: one JSON line per request (time, request id, method, path, status, cache status
// and match kind,
// upstream attempts, time to the upstream's first byte, duration, bytes sent, client address).
// Handlers fill a request_report as they answer; the router adds the rest and formats the line.
// Never contains the Authorization header, API keys or question texts.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gateway {

/// What a handler tells the router about the request it answered.
struct request_report {
  unsigned status = 0;          // HTTP status sent; 0 when the client left before any
  std::string_view cache;       // X-Cache value, or empty (points to a static string)
  std::string_view cache_match; // X-Cache-Match on hits (exact, similar), or empty (static string)
  unsigned attempts = 0;        // upstream attempts made
  std::chrono::microseconds upstream_first_byte{-1};  // < 0: no upstream response
  std::uint64_t bytes = 0;      // response body bytes written
  std::chrono::microseconds added{-1};  // the gateway's own time around the upstream call; < 0: none
  std::uint64_t completion_tokens = 0;  // the upstream's completion tokens for an answer it made here
  std::array<char, 32> trace_id{};      // the W3C trace id (lib/trace), when `traced`
  bool traced = false;
};

/// The gateway's own share of a request that went upstream: from `started` to the upstream call,
/// plus from the upstream's last byte to `now`; -1 when either mark is missing.
std::chrono::microseconds gateway_share(std::chrono::steady_clock::time_point started,
                                        const std::optional<std::chrono::steady_clock::time_point>& upstream_called,
                                        const std::optional<std::chrono::steady_clock::time_point>& upstream_finished,
                                        std::chrono::steady_clock::time_point now);

struct access_entry {
  std::string_view id, method, path, client;
  std::chrono::microseconds duration{0};
  const request_report* report = nullptr;
};

/// Appends the JSON line (ending in '\n') to `out`; `now` is the time the request finished.
void append_access_log_line(std::string& out, const access_entry& e, std::chrono::system_clock::time_point now);
/// The line alone.
std::string access_log_line(const access_entry& e, std::chrono::system_clock::time_point now);

}  // namespace gateway
