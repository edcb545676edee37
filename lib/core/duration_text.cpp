#include "core/duration_text.hpp"

#include "core/text.hpp"

#include <array>
#include <cmath>
#include <cstdint>

namespace gateway {
namespace {

constexpr double max_seconds = 86'400;  // a reset further than a day is not a reset we can use

// Seconds per unit, longest unit names first so that "ms" is not read as "m".
struct unit {
  std::string_view name;
  double seconds;
};
constexpr std::array<unit, 7> units{{{"ms", 1e-3}, {"us", 1e-6}, {"\xC2\xB5s", 1e-6}, {"ns", 1e-9},
                                     {"h", 3600}, {"m", 60}, {"s", 1}}};

}  // namespace

std::optional<std::chrono::microseconds> parse_go_duration(std::string_view s) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  if (s == "0") return std::chrono::microseconds(0);  // Go prints a zero duration as "0s", accepts "0"
  double total = 0;
  while (!s.empty()) {
    double amount = 0;
    const auto taken = read_decimal(s, amount);
    if (taken == 0) return std::nullopt;
    s.remove_prefix(taken);
    const unit* u = nullptr;
    for (const auto& candidate : units)
      if (s.starts_with(candidate.name)) {
        u = &candidate;
        break;
      }
    if (!u) return std::nullopt;
    s.remove_prefix(u->name.size());
    total += amount * u->seconds;
    if (total > max_seconds) return std::nullopt;
  }
  // Rounded up (a reset is never early) - but a sum that is a whole microsecond up to the doubles'
  // error (a thousandth of one at most, for a day) is that microsecond: "1m1.001s" is 61,001,000 us,
  // not one more because 1.001 has no exact double.
  const double us = total * 1e6;
  const double nearest = std::round(us);
  return std::chrono::microseconds(static_cast<std::int64_t>(std::abs(us - nearest) < 1e-3 ? nearest : std::ceil(us)));
}

std::string go_duration_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms <= 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string out;
  const auto hours = ms / 3'600'000;
  ms %= 3'600'000;
  const auto minutes = ms / 60'000;
  ms %= 60'000;
  if (hours) out += std::to_string(hours) + "h";
  if (hours || minutes) out += std::to_string(minutes) + "m";
  out += std::to_string(ms / 1000);
  if (const auto frac = ms % 1000) {
    auto digits = std::to_string(1000 + frac).substr(1);  // three digits, leading zeros kept
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + "s";
}

}  // namespace gateway
