// libFuzzer target: Retry-After and x-ratelimit-reset-* parsing see whatever an upstream sends;
// they must never crash, any wait they return must be a sane, non-negative duration, and a reset
// the gateway writes in Go's format must read back as itself.
#include "core/duration_text.hpp"
#include "upstream/retry_policy.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nl = input.find('\n');  // "retry-after-ms\nretry-after"
  const auto ms = nl == std::string_view::npos ? std::string_view{} : input.substr(0, nl);
  const auto value = nl == std::string_view::npos ? input : input.substr(nl + 1);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000));
  if (auto wait = gateway::parse_retry_after(ms, value, now)) {
    if (wait->count() < 0 || *wait > std::chrono::hours(24 * 365 * 8000)) std::abort();
  }
  gateway::parse_http_date(input);
  if (auto reset = gateway::parse_go_duration(input)) {
    if (reset->count() < 0 || *reset > std::chrono::hours(24)) std::abort();
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*reset);
    if (gateway::parse_go_duration(gateway::go_duration_text(ms)) != ms) std::abort();
  }
  return 0;
}
