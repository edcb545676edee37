#include "http/access_log.hpp"

#include "core/logger.hpp"
#include "core/text.hpp"

#include <algorithm>

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
  // Appended piece by piece: the escaped fields go straight into the line, no string of their own.
  std::string out;
  out.reserve(256);
  out += R"({"time":")";
  out += utc_second_text(now);
  out += R"(","id":")";
  append_json_escaped(out, e.id);
  out += R"(","method":")";
  append_json_escaped(out, e.method);
  out += R"(","path":")";
  append_json_escaped(out, e.path);
  out += R"(","status":)";
  append_decimal(out, r.status == 0 ? 499 : r.status);
  if (r.cache.empty()) {
    out += R"(,"cache":null)";
  } else {
    out += R"(,"cache":")";
    out += r.cache;  // static strings
    out += '"';
  }
  if (!r.cache_match.empty()) {
    out += R"(,"cache_match":")";
    out += r.cache_match;
    out += '"';
  }
  out += R"(,"attempts":)";
  append_decimal(out, r.attempts);
  if (r.upstream_first_byte.count() < 0) {
    out += R"(,"upstream_ttfb_ms":null)";
  } else {
    out += R"(,"upstream_ttfb_ms":)";
    append_milliseconds(out, r.upstream_first_byte);
  }
  out += R"(,"duration_ms":)";
  append_milliseconds(out, std::max(e.duration, std::chrono::microseconds(0)));
  out += R"(,"bytes":)";
  append_decimal(out, r.bytes);
  if (r.traced) {
    out += R"(,"trace_id":")";
    out.append(r.trace_id.data(), r.trace_id.size());  // lowercase hex (lib/trace)
    out += '"';
  }
  out += R"(,"client":")";
  append_json_escaped(out, e.client);
  out += "\"}\n";
  return out;
}

}  // namespace gateway
