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


// Appended piece by piece, literals with their lengths known (no strlen per piece): the escaped
// fields go straight into the line, no string of their own.
void append_access_log_line(std::string& out, const access_entry& e, std::chrono::system_clock::time_point now) {
  using namespace std::string_view_literals;
  const auto& r = *e.report;
  out.reserve(out.size() + 320);
  out += R"({"time":")"sv;
  out += utc_second_text(now);
  out += R"(","id":")"sv;
  append_json_escaped(out, e.id);
  out += R"(","method":")"sv;
  append_json_escaped(out, e.method);
  out += R"(","path":")"sv;
  append_json_escaped(out, e.path);
  out += R"(","status":)"sv;
  append_decimal(out, r.status == 0 ? 499 : r.status);
  if (r.cache.empty()) {
    out += R"(,"cache":null)"sv;
  } else {
    out += R"(,"cache":")"sv;
    out += r.cache;  // static strings
    out += '"';
  }
  if (!r.cache_match.empty()) {
    out += R"(,"cache_match":")"sv;
    out += r.cache_match;
    out += '"';
  }
  out += R"(,"attempts":)"sv;
  append_decimal(out, r.attempts);
  if (r.upstream_first_byte.count() < 0) {
    out += R"(,"upstream_ttfb_ms":null)"sv;
  } else {
    out += R"(,"upstream_ttfb_ms":)"sv;
    append_milliseconds(out, r.upstream_first_byte);
  }
  out += R"(,"duration_ms":)"sv;
  append_milliseconds(out, std::max(e.duration, std::chrono::microseconds(0)));
  out += R"(,"bytes":)"sv;
  append_decimal(out, r.bytes);
  if (r.traced) {
    out += R"(,"trace_id":")"sv;
    out.append(r.trace_id.data(), r.trace_id.size());  // lowercase hex (lib/trace)
    out += '"';
  }
  out += R"(,"client":")"sv;
  append_json_escaped(out, e.client);
  out += "\"}\n"sv;
}

std::string access_log_line(const access_entry& e, std::chrono::system_clock::time_point now) {
  std::string out;
  append_access_log_line(out, e, now);
  return out;
}

}  // namespace gateway
