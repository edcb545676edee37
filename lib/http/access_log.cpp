#include "http/access_log.hpp"

#include "core/logger.hpp"

#include <fmt/format.h>

namespace gateway {

std::chrono::microseconds gateway_share(
    std::chrono::steady_clock::time_point started,
    const std::optional<std::chrono::steady_clock::time_point>& upstream_called,
    const std::optional<std::chrono::steady_clock::time_point>& upstream_finished,
    std::chrono::steady_clock::time_point now) {
  if (!upstream_called || !upstream_finished) return std::chrono::microseconds(-1);
  return std::chrono::duration_cast<std::chrono::microseconds>((*upstream_called - started) +
                                                               (now - *upstream_finished));
}

std::string access_log_line(const access_entry& e, std::chrono::system_clock::time_point now) {
  const auto& r = *e.report;
  const auto ms = [](std::chrono::microseconds d) {
    return static_cast<double>(d.count()) / 1000.0;
  };
  // Appended piece by piece: the escaped fields go straight into the line, no string of their own.
  std::string out;
  out.reserve(256);
  auto it = std::back_inserter(out);
  out += R"({"time":")";
  out += utc_second_text(now);
  out += R"(","id":")";
  append_json_escaped(out, e.id);
  out += R"(","method":")";
  append_json_escaped(out, e.method);
  out += R"(","path":")";
  append_json_escaped(out, e.path);
  fmt::format_to(it, R"(","status":{},)", r.status == 0 ? 499 : r.status);
  if (r.cache.empty())
    out += R"("cache":null,)";
  else
    fmt::format_to(it, R"("cache":"{}",)", r.cache);
  if (!r.cache_match.empty()) fmt::format_to(it, R"("cache_match":"{}",)", r.cache_match);
  fmt::format_to(it, R"("attempts":{},)", r.attempts);
  if (r.upstream_first_byte.count() < 0)
    out += R"("upstream_ttfb_ms":null,)";
  else
    fmt::format_to(it, R"("upstream_ttfb_ms":{:.3f},)", ms(r.upstream_first_byte));
  fmt::format_to(it, R"("duration_ms":{:.3f},"bytes":{},"client":")", ms(e.duration), r.bytes);
  append_json_escaped(out, e.client);
  out += "\"}\n";
  return out;
}

}  // namespace gateway
